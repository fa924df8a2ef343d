import { createMutation } from "@urql/solid";
import { createSignal, For, Show } from "solid-js";
import { useApp, useIsAdmin } from "../../app/context.ts";
import { ConfirmDialog } from "../../components/ConfirmDialog.tsx";
import { Notice } from "../../components/Notice.tsx";
import { formatDateTime, plural } from "../../lib/format.ts";
import { type ActionOutcome, outcomeOf } from "../../lib/mutation.ts";
import { ConfirmUnenrollmentMutation, type SyncRun } from "./documents.ts";

/**
 * Sync runs whose auto-unenrolment was held back because it would purge more than the safety share
 * of the fleet at once: nothing is purged until an admin confirms here.
 */
export function PendingUnenrollment() {
  const { data } = useApp();
  const isAdmin = useIsAdmin();
  const [state, confirm] = createMutation(ConfirmUnenrollmentMutation);
  const [asking, setAsking] = createSignal<SyncRun | null>(null);
  const [outcome, setOutcome] = createSignal<ActionOutcome<SyncRun>>();
  const pending = () =>
    data.syncRuns().filter((r) => r.state === "AWAITING_CONFIRMATION" && r.pendingUnenrollCount > 0);
  const percent = () => data.settings()?.autoUnenrollMaxPercent;

  const doConfirm = async () => {
    const run = asking();
    if (!run) return;
    const result = await confirm({ syncRunId: run.id });
    const o = outcomeOf<SyncRun>(result, "confirmUnenrollment");
    if (o.ok) data.upsertSyncRun(o.data);
    setOutcome(o);
    setAsking(null);
  };

  return (
    <>
      <For each={pending()}>
        {(run) => (
          <div class="notice notice-warning pending-unenroll" role="status" data-testid="pending-unenroll">
            <p>
              <strong>Auto-unenrolment is waiting for you.</strong> The sync of {formatDateTime(run.startedAt)} would
              purge {plural(run.pendingUnenrollCount, "offline device")} from Fleet: more than{" "}
              {percent() ?? "the allowed"}% of the fleet in one run, so nothing was purged.
              <Show when={run.error}> {run.error}</Show>
            </p>
            <Show when={isAdmin()} fallback={<p class="muted">An admin can confirm it.</p>}>
              <button type="button" class="button danger" onClick={() => setAsking(run)}>
                Review and confirm…
              </button>
            </Show>
          </div>
        )}
      </For>
      <Show when={outcome()} keyed>
        {(value) => {
          return value.ok ? (
            <Notice kind="success">Auto-unenrolment confirmed; the devices are being purged.</Notice>
          ) : (
            <Notice kind="error">{value.message}</Notice>
          );
        }}
      </Show>
      <ConfirmDialog
        open={asking() !== null}
        title="Confirm auto-unenrolment"
        confirmLabel={`Unenrol ${plural(asking()?.pendingUnenrollCount ?? 0, "device")}`}
        danger
        busy={state.fetching}
        onConfirm={doConfirm}
        onCancel={() => setAsking(null)}
      >
        <p>
          {plural(asking()?.pendingUnenrollCount ?? 0, "device")}{" "}
          {asking()?.pendingUnenrollCount === 1 ? "has" : "have"} been offline for longer than the auto-unenrolment
          delay. They will be purged from Fleet and marked Unenrolled
          {data.settings()?.resendInvitationOnUnenroll
            ? "; their owners will be sent a new enrolment invitation."
            : ". Their owners will not be re-invited (the setting is off)."}
        </p>
      </ConfirmDialog>
    </>
  );
}
