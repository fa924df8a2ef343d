import { createMutation } from "@urql/solid";
import { createEffect, createSignal, For, on, Show } from "solid-js";
import { ConfirmDialog } from "../../components/ConfirmDialog.tsx";
import { Notice } from "../../components/Notice.tsx";
import { formatDateTime } from "../../lib/format.ts";
import { outcomeOf } from "../../lib/mutation.ts";
import { AcknowledgeAlertMutation, type Alert, SnoozeAlertMutation } from "./documents.ts";
import { localDate, MAX_SNOOZE_MS, SNOOZE_PRESETS, type SnoozeChoice, snoozeUntil } from "./snooze.ts";

export type TriageAction = { kind: "acknowledge" | "snooze"; alert: Alert };

/**
 * Acknowledge or snooze one alert, with an optional note. The dialog stays open on a refusal and
 * shows the server's message, so the admin can change the date or the note and try again.
 */
export function TriageDialog(props: {
  action: TriageAction | null;
  onClose(): void;
  onDone(message: string, alert: Alert): void;
}) {
  const [ackState, acknowledge] = createMutation(AcknowledgeAlertMutation);
  const [snoozeState, snooze] = createMutation(SnoozeAlertMutation);
  const [note, setNote] = createSignal("");
  const [choice, setChoice] = createSignal<SnoozeChoice>({ kind: "days", days: 1 });
  const [error, setError] = createSignal<string | null>(null);

  // Every dialog starts blank: a note typed for one alert must not be sent with the next.
  createEffect(
    on(
      () => props.action,
      () => {
        setNote("");
        setChoice({ kind: "days", days: 1 });
        setError(null);
      },
    ),
  );

  const run = async () => {
    const action = props.action;
    if (!action) return;
    setError(null);
    const text = note().trim() || null;
    if (action.kind === "acknowledge") {
      const outcome = outcomeOf<Alert>(await acknowledge({ id: action.alert.id, note: text }), "acknowledgeAlert");
      if (!outcome.ok) return setError(outcome.message);
      props.onDone(`Acknowledged “${action.alert.rule.name}” on ${action.alert.device.name}.`, outcome.data);
      return;
    }
    const until = snoozeUntil(choice(), new Date());
    if (!until.ok) return setError(until.message);
    const outcome = outcomeOf<Alert>(
      await snooze({ id: action.alert.id, until: until.until.toISOString(), note: text }),
      "snoozeAlert",
    );
    if (!outcome.ok) return setError(outcome.message);
    props.onDone(
      `Snoozed “${action.alert.rule.name}” on ${action.alert.device.name} until ${formatDateTime(outcome.data.snoozedUntil)}.`,
      outcome.data,
    );
  };

  const isSnooze = () => props.action?.kind === "snooze";
  const isPreset = (days: number) => {
    const c = choice();
    return c.kind === "days" && c.days === days;
  };
  const chosenDate = () => {
    const c = choice();
    return c.kind === "date" ? c.date : "";
  };
  const today = () => new Date();

  return (
    <ConfirmDialog
      open={props.action !== null}
      title={
        props.action
          ? `${isSnooze() ? "Snooze" : "Acknowledge"} “${props.action.alert.rule.name}” on ${props.action.alert.device.name}?`
          : ""
      }
      confirmLabel={isSnooze() ? "Snooze" : "Acknowledge"}
      busy={ackState.fetching || snoozeState.fetching}
      onConfirm={run}
      onCancel={() => props.onClose()}
    >
      <Show
        when={isSnooze()}
        fallback={
          <p>
            Someone is on it: the alert leaves the open queue and stays acknowledged until the device no longer breaks
            the rule.
          </p>
        }
      >
        <p>The alert is hidden until then; if the device still breaks the rule, it opens again.</p>
        <fieldset class="snooze-choices">
          <legend>Snooze for</legend>
          <For each={SNOOZE_PRESETS}>
            {(days) => (
              <label class="radio">
                <input
                  type="radio"
                  name="snooze"
                  checked={isPreset(days)}
                  onChange={() => setChoice({ kind: "days", days })}
                  data-testid={`snooze-${days}d`}
                />
                {days === 1 ? "1 day" : `${days} days`}
              </label>
            )}
          </For>
          <label class="radio">
            <input
              type="radio"
              name="snooze"
              checked={choice().kind === "date"}
              onChange={() => setChoice({ kind: "date", date: localDate(new Date(Date.now() + 86_400_000)) })}
            />
            Until
            <input
              type="date"
              aria-label="Snooze until date"
              min={localDate(today())}
              max={localDate(new Date(today().getTime() + MAX_SNOOZE_MS))}
              value={chosenDate()}
              onInput={(e) => setChoice({ kind: "date", date: e.currentTarget.value })}
              onFocus={() => {
                if (choice().kind !== "date") setChoice({ kind: "date", date: "" });
              }}
              data-testid="snooze-date"
            />
          </label>
        </fieldset>
      </Show>
      <label class="field dialog-note">
        <span>Note (optional)</span>
        <textarea
          rows={3}
          maxLength={2000}
          value={note()}
          onInput={(e) => setNote(e.currentTarget.value)}
          data-testid="triage-note"
        />
      </label>
      <Show when={error()}>
        {(message) => (
          <Notice kind="error" testid="triage-error">
            {message()}
          </Notice>
        )}
      </Show>
    </ConfirmDialog>
  );
}
