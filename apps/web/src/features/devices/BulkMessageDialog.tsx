import { A } from "@solidjs/router";
import type { Client } from "@urql/core";
import { createEffect, createSignal, For, on, Show } from "solid-js";
import { ConfirmDialog } from "../../components/ConfirmDialog.tsx";
import { Notice } from "../../components/Notice.tsx";
import { formatCount } from "../../lib/format.ts";
import { outcomeOf } from "../../lib/mutation.ts";
import { BULK_KIND_LABELS, describePlan, kindNoun } from "./bulkMessage.ts";
import { deviceHref } from "./DeviceTable.tsx";
import {
  type BulkMessageKind,
  type BulkRemediationPlan,
  BulkRemediationPlanQuery,
  type DeviceFilter,
  SendBulkRemediationMutation,
} from "./documents.ts";

const SKIP_HOURS = 24;

export interface BulkSendResult {
  queued: number;
  recipients: number;
}
const KIND_CHOICES = ["RECOMMENDED", "ENROLLMENT_INVITATION", "AGENT_DOWNLOAD_LINK", "MACOS_PROFILE_GUIDE"] as const;

/**
 * "Message owners…": sends the owners of the listed devices one of the article's messages each.
 * The server's plan is shown first (how many messages, to whom, who is left out and why) and the
 * send carries the count the admin saw, so a list that changed meanwhile sends nothing and shows
 * the new plan instead.
 */
export function BulkMessageButton(props: {
  client: Client;
  filter: DeviceFilter | null;
  /** Devices in the list now; the button is off for an empty list. */
  total: number | null;
  onSent(result: BulkSendResult): void;
}) {
  const [open, setOpen] = createSignal(false);
  const [kind, setKind] = createSignal<(typeof KIND_CHOICES)[number]>("RECOMMENDED");
  const [skipRecent, setSkipRecent] = createSignal(true);
  const [plan, setPlan] = createSignal<BulkRemediationPlan | null>(null);
  const [planError, setPlanError] = createSignal<string | null>(null);
  const [sendError, setSendError] = createSignal<string | null>(null);
  const [sending, setSending] = createSignal(false);

  const args = () => ({
    filter: props.filter,
    kind: kind() === "RECOMMENDED" ? null : (kind() as BulkMessageKind),
    skipIfSentWithinHours: skipRecent() ? SKIP_HOURS : 0,
  });

  let asked = 0;
  const loadPlan = async () => {
    const ticket = ++asked;
    setPlan(null);
    setPlanError(null);
    const result = await props.client
      .query(BulkRemediationPlanQuery, args(), { requestPolicy: "network-only" })
      .toPromise();
    if (ticket !== asked) return; // a newer choice was made meanwhile
    if (result.error || !result.data) setPlanError(result.error?.message ?? "No answer from the server.");
    else setPlan(result.data.bulkRemediationPlan);
  };
  createEffect(on([open, kind, skipRecent], ([isOpen]) => isOpen && void loadPlan()));

  const wording = () => {
    const p = plan();
    const chosen = kind();
    return p ? describePlan(p, SKIP_HOURS, chosen === "RECOMMENDED" ? null : chosen) : null;
  };

  const send = async () => {
    const p = plan();
    if (!p) return;
    setSending(true);
    setSendError(null);
    const outcome = outcomeOf(
      await props.client
        .mutation(SendBulkRemediationMutation, {
          input: { ...args(), expectedMessages: p.messages, expectedFingerprint: p.fingerprint },
        })
        .toPromise(),
      "sendBulkRemediation",
    );
    setSending(false);
    if (outcome.ok) {
      setOpen(false);
      props.onSent({ queued: outcome.data.queued, recipients: outcome.data.plan.recipients });
    } else {
      // Typically the list changed since the plan: show why, and the plan as it is now.
      setSendError(outcome.message);
      void loadPlan();
    }
  };

  return (
    <>
      <button
        type="button"
        class="button"
        disabled={!props.total}
        onClick={() => {
          setSendError(null);
          setOpen(true);
        }}
        data-testid="bulk-message"
      >
        Message owners…
      </button>
      <ConfirmDialog
        open={open()}
        title="Message the owners of these devices?"
        confirmLabel={wording()?.confirmLabel ?? "Send"}
        confirmDisabled={!wording()?.canSend}
        busy={sending()}
        onConfirm={send}
        onCancel={() => setOpen(false)}
      >
        <div class="bulk-message" data-testid="bulk-message-dialog">
          <label class="field">
            <span>Message</span>
            <select
              value={kind()}
              onChange={(e) => setKind(e.currentTarget.value as (typeof KIND_CHOICES)[number])}
              data-testid="bulk-message-kind"
            >
              <For each={KIND_CHOICES}>{(k) => <option value={k}>{BULK_KIND_LABELS[k]}</option>}</For>
            </select>
          </label>
          <label class="bulk-message-skip">
            <input
              type="checkbox"
              checked={skipRecent()}
              onChange={(e) => setSkipRecent(e.currentTarget.checked)}
              data-testid="bulk-message-skip-recent"
            />
            Skip devices whose owner got the same message in the last {SKIP_HOURS} hours
          </label>
          <div role="status" data-testid="bulk-message-plan">
            <Show when={wording()} fallback={<p class="muted">{planError() ?? "Working out who gets what…"}</p>}>
              {(w) => (
                <>
                  <p>
                    <strong>{w().headline}</strong>
                  </p>
                  <Show when={w().kinds}>{(k) => <p>{k()}.</p>}</Show>
                  <Show when={(plan()?.sample.length ?? 0) > 0}>
                    <ul class="bulk-sample" data-testid="bulk-message-sample">
                      <For each={plan()?.sample}>
                        {(m) => (
                          <li>
                            {m.recipientName ? `${m.recipientName} <${m.recipient}>` : m.recipient}: {kindNoun(m.kind)}{" "}
                            about <A href={deviceHref(m.deviceId)}>{m.deviceName}</A>
                          </li>
                        )}
                      </For>
                      <Show when={(plan()?.messages ?? 0) > (plan()?.sample.length ?? 0)}>
                        <li class="muted">
                          and {formatCount((plan()?.messages ?? 0) - (plan()?.sample.length ?? 0))} more
                        </li>
                      </Show>
                    </ul>
                  </Show>
                  <Show when={w().skipped}>{(s) => <p class="muted">{s()}</p>}</Show>
                </>
              )}
            </Show>
          </div>
          <Show when={sendError()}>
            {(e) => (
              <Notice kind="error" testid="bulk-message-error">
                {e()}
              </Notice>
            )}
          </Show>
        </div>
      </ConfirmDialog>
    </>
  );
}
