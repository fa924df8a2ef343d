import { createMutation } from "@urql/solid";
import { createSignal, Show } from "solid-js";
import { useApp, useIsAdmin } from "../../app/context.ts";
import { Notice } from "../../components/Notice.tsx";
import { formatDateTime, formatRelative, formatUntil, plural } from "../../lib/format.ts";
import { type ActionOutcome, outcomeOf } from "../../lib/mutation.ts";
import { SyncNowMutation, type SyncRun, type SyncRunState } from "./documents.ts";

const STATE_LABELS: Record<SyncRunState, { label: string; tone: string; symbol: string }> = {
  RUNNING: { label: "Running", tone: "info", symbol: "⟳" },
  SUCCEEDED: { label: "Succeeded", tone: "ok", symbol: "✓" },
  FAILED: { label: "Failed", tone: "bad", symbol: "✕" },
  AWAITING_CONFIRMATION: { label: "Awaiting confirmation", tone: "warn", symbol: "!" },
};

export function SyncStateBadge(props: { state: SyncRunState }) {
  const info = () => STATE_LABELS[props.state];
  return (
    <span class={`badge status-${info().tone}`} data-testid="sync-state">
      <span aria-hidden="true" class="badge-symbol">
        {info().symbol}
      </span>
      {info().label}
    </span>
  );
}

/** When the next scheduled sync is due: the last start plus the sync interval. */
export function nextSyncAt(last: SyncRun | undefined, intervalMinutes: number | undefined): number | null {
  if (!last || intervalMinutes === undefined) return null;
  return Date.parse(last.startedAt) + intervalMinutes * 60_000;
}

/** The last sync with Fleet, the next one, and (for admins) a button to sync now. */
export function SyncPanel() {
  const { data, now } = useApp();
  const isAdmin = useIsAdmin();
  const [syncState, syncNow] = createMutation(SyncNowMutation);
  const [outcome, setOutcome] = createSignal<ActionOutcome<SyncRun>>();
  const latest = () => data.syncRuns()[0];
  const lastFinished = () => data.syncRuns().find((r) => r.state !== "RUNNING");
  const lastSuccess = () => data.syncRuns().find((r) => r.state === "SUCCEEDED");
  const next = () => nextSyncAt(latest(), data.settings()?.syncIntervalMinutes);

  const run = async () => {
    setOutcome(undefined);
    const result = await syncNow({});
    const o = outcomeOf<SyncRun>(result, "syncNow");
    if (o.ok) data.upsertSyncRun(o.data);
    setOutcome(o);
  };

  return (
    <section class="panel" aria-labelledby="sync-title" data-testid="sync-panel">
      <h2 id="sync-title">Sync with Fleet</h2>
      <Show when={latest()} fallback={<p class="muted">No sync has run yet.</p>}>
        {(run) => (
          <dl class="facts">
            <dt>Last sync</dt>
            <dd>
              <SyncStateBadge state={run().state} /> started {formatDateTime(run().startedAt)}
              <span class="muted"> ({formatRelative(run().startedAt, now())})</span>
            </dd>
            <Show when={lastFinished()}>
              {(f) => (
                <>
                  <dt>Result</dt>
                  <dd>
                    {plural(f().hostsSeen, "host")} seen, {plural(f().transitions, "transition")}
                    <Show when={f().finishedAt}>
                      {(at) => (
                        <span class="muted">
                          {" "}
                          in {((Date.parse(at()) - Date.parse(f().startedAt)) / 1000).toFixed(1)} s
                        </span>
                      )}
                    </Show>
                  </dd>
                </>
              )}
            </Show>
            <Show when={run().error}>
              {(error) => (
                <>
                  <dt>Error</dt>
                  <dd class="error-text" data-testid="sync-error">
                    {error()}
                  </dd>
                </>
              )}
            </Show>
            <Show when={run().state === "FAILED" && lastSuccess()}>
              {(ok) => (
                <>
                  <dt>Last success</dt>
                  <dd>{formatDateTime(ok().startedAt)}</dd>
                </>
              )}
            </Show>
            <dt>Next sync</dt>
            <dd data-testid="next-sync">
              <Show when={next()} fallback="—">
                {(at) => (
                  <>
                    {formatDateTime(new Date(at()).toISOString())}
                    <span class="muted">
                      {" "}
                      ({formatUntil(at(), now())}, every {data.settings()?.syncIntervalMinutes} min)
                    </span>
                  </>
                )}
              </Show>
            </dd>
          </dl>
        )}
      </Show>
      <Show when={isAdmin()}>
        <div class="panel-actions">
          <button
            type="button"
            class="button"
            onClick={run}
            disabled={syncState.fetching || latest()?.state === "RUNNING"}
            data-testid="sync-now"
          >
            {syncState.fetching ? "Syncing…" : "Sync now"}
          </button>
        </div>
      </Show>
      <Show when={outcome()} keyed>
        {(value) => {
          return value.ok ? (
            <Notice kind="success">Sync finished: {plural(value.data.transitions, "transition")}.</Notice>
          ) : (
            <Notice kind="error">{value.message}</Notice>
          );
        }}
      </Show>
    </section>
  );
}
