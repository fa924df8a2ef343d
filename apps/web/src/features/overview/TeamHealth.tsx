import { A } from "@solidjs/router";
import { createEffect, createSignal, For, on, onCleanup, Show } from "solid-js";
import { useApp } from "../../app/context.ts";
import { formatCount, formatShare } from "../../lib/format.ts";
import { STATUS_INFO, STATUSES } from "../../lib/status.ts";
import { type TeamStatusSummary, TeamSummariesQuery } from "./documents.ts";
import { teamDevicesHref, teamHealthRows } from "./teamHealth.ts";

/**
 * Enrolment by Fleet team, least enrolled first; each count opens the team's devices in that status.
 * It reloads when the live status summary changes (at most 4 times a second, coalesced by the
 * server), events arrive or a sync run finishes; the server computes it once per change for every
 * dashboard.
 */
export function TeamHealth() {
  const { live, data } = useApp();
  const [summaries, setSummaries] = createSignal<TeamStatusSummary[]>([]);
  let asked = 0;
  // A failed read keeps the table as it was: the next change reads it again.
  const load = async () => {
    const ticket = ++asked;
    const result = await live.urql.query(TeamSummariesQuery, {}, { requestPolicy: "network-only" }).toPromise();
    if (ticket === asked && result.data) setSummaries(result.data.teamSummaries);
  };
  createEffect(on(data.summary, () => void load()));
  // A sync can move devices between teams without a status event (the fleet's summary unchanged):
  // each finished run reads the table again.
  const lastFinishedRun = () => data.syncRuns().find((run) => run.finishedAt !== null)?.id;
  createEffect(on(lastFinishedRun, () => void load(), { defer: true }));
  // Opposite transitions in two teams leave the fleet's summary as it was, so events reload it too
  // (once per burst).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stopListening = live.events.listen(() => {
    clearTimeout(timer);
    timer = setTimeout(() => void load(), 500);
  });
  onCleanup(() => {
    clearTimeout(timer);
    stopListening();
  });
  const rows = () => teamHealthRows(summaries());
  return (
    <Show when={rows().length > 0}>
      <section class="panel" aria-labelledby="teams-title" data-testid="team-health">
        <h2 id="teams-title">By team</h2>
        <div class="table-scroll">
          <div class="table-scroll">
            <table class="data-table">
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col">Devices</th>
                  <th scope="col">Enrolled</th>
                  <For each={STATUSES.filter((s) => s !== "ENROLLED")}>
                    {(status) => <th scope="col">{STATUS_INFO[status].label}</th>}
                  </For>
                </tr>
              </thead>
              <tbody>
                <For each={rows()}>
                  {(row) => (
                    <tr data-testid="team-row" data-team={row.team ?? ""}>
                      <th scope="row">
                        <A href={teamDevicesHref(row.team)}>{row.label}</A>
                      </th>
                      <td>{formatCount(row.total)}</td>
                      <td data-testid="team-enrolled">{formatShare(row.enrolled, row.total)}</td>
                      <For each={row.counts.filter((c) => c.status !== "ENROLLED")}>
                        {(c) => (
                          <td data-status={c.status}>
                            <Show when={c.count > 0} fallback={<span class="muted">0</span>}>
                              <A href={teamDevicesHref(row.team, c.status)}>{formatCount(c.count)}</A>
                            </Show>
                          </td>
                        )}
                      </For>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
        </div>
      </section>
    </Show>
  );
}
