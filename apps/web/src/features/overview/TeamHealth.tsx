import { A } from "@solidjs/router";
import { createResource, For, Show } from "solid-js";
import { useApp } from "../../app/context.ts";
import { formatCount, formatShare } from "../../lib/format.ts";
import { STATUS_INFO, STATUSES } from "../../lib/status.ts";
import { TeamSummariesQuery } from "./documents.ts";
import { teamDevicesHref, teamHealthRows } from "./teamHealth.ts";

/**
 * Enrolment by Fleet team, least enrolled first; each count opens the team's devices in that status.
 * It reloads when the live status summary changes (at most 4 times a second, coalesced by the
 * server), and the server computes it once per change for every dashboard.
 */
export function TeamHealth() {
  const { live, data } = useApp();
  const [summaries] = createResource(
    () => data.summary() ?? false,
    async () => {
      const result = await live.urql.query(TeamSummariesQuery, {}, { requestPolicy: "network-only" }).toPromise();
      if (result.error) throw result.error;
      return result.data?.teamSummaries ?? [];
    },
  );
  const rows = () => teamHealthRows(summaries.latest ?? []);
  return (
    <Show when={rows().length > 0}>
      <section class="panel" aria-labelledby="teams-title" data-testid="team-health">
        <h2 id="teams-title">By team</h2>
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
      </section>
    </Show>
  );
}
