import { createEffect, createSignal, For, type JSX, on, Show } from "solid-js";
import { Notice } from "../../components/Notice.tsx";
import type { SettingsData } from "../../lib/liveDocuments.ts";
import type { FieldError, SettingsInput } from "./documents.ts";

export type SaveResult =
  | { ok: true; settings: SettingsData }
  | { ok: false; message: string; fieldErrors: FieldError[] };

type NumberField =
  | "syncIntervalMinutes"
  | "agentInactiveAfterHours"
  | "offlineAfterDays"
  | "autoUnenrollAfterDays"
  | "autoUnenrollMaxPercent";
type BooleanField = "autoUnenrollEnabled" | "resendInvitationOnUnenroll";

interface Draft {
  numbers: Record<NumberField, string>;
  flags: Record<BooleanField, boolean>;
  /** yyyy-mm-dd, or "" for no date. */
  apnsDate: string;
}

function draftOf(s: SettingsData): Draft {
  return {
    numbers: {
      syncIntervalMinutes: String(s.syncIntervalMinutes),
      agentInactiveAfterHours: String(s.agentInactiveAfterHours),
      offlineAfterDays: String(s.offlineAfterDays),
      autoUnenrollAfterDays: String(s.autoUnenrollAfterDays),
      autoUnenrollMaxPercent: String(s.autoUnenrollMaxPercent),
    },
    flags: { autoUnenrollEnabled: s.autoUnenrollEnabled, resendInvitationOnUnenroll: s.resendInvitationOnUnenroll },
    apnsDate: s.apnsCertificateExpiresAt ? s.apnsCertificateExpiresAt.slice(0, 10) : "",
  };
}

/** How messages name the settings: the server speaks in field names, the form in words. */
const FIELD_WORDS: Record<string, string> = {
  syncIntervalMinutes: "the sync interval",
  agentInactiveAfterHours: "the agent-inactive threshold",
  offlineAfterDays: "the offline threshold",
  autoUnenrollEnabled: "auto-unenrolment",
  autoUnenrollAfterDays: "the auto-unenrolment delay",
  autoUnenrollMaxPercent: "the confirmation threshold",
  resendInvitationOnUnenroll: "the invitation setting",
  apnsCertificateExpiresAt: "the APNs expiry date",
};

/** "autoUnenrollAfterDays must be greater than offlineAfterDays (7 days)" in the form's words. */
export function humanize(message: string): string {
  const text = message.replace(/\b[a-z]+(?:[A-Z][a-z]+)+\b/g, (name) => FIELD_WORDS[name] ?? name);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const UNITS: Record<NumberField, string> = {
  syncIntervalMinutes: "minutes",
  agentInactiveAfterHours: "hours",
  offlineAfterDays: "days",
  autoUnenrollAfterDays: "days",
  autoUnenrollMaxPercent: "percent",
};

/**
 * Turns the form into a SettingsInput holding only what changed (the mutation changes only the
 * fields given). Whole-number checks happen here only because GraphQL would refuse "1.5" for an
 * Int before the server's own validation could explain it; every range and cross-field rule is the
 * server's, shown next to its field.
 */
export function diffSettings(current: SettingsData, draft: Draft): { input: SettingsInput; errors: FieldError[] } {
  const input: SettingsInput = {};
  const errors: FieldError[] = [];
  for (const field of Object.keys(draft.numbers) as NumberField[]) {
    const text = draft.numbers[field].trim();
    if (!/^-?\d+$/.test(text)) {
      errors.push({ field, message: `${field} must be a whole number of ${UNITS[field]}` });
      continue;
    }
    const value = Number(text);
    if (value !== current[field]) input[field] = value;
  }
  for (const field of Object.keys(draft.flags) as BooleanField[]) {
    if (draft.flags[field] !== current[field]) input[field] = draft.flags[field];
  }
  const before = current.apnsCertificateExpiresAt ? current.apnsCertificateExpiresAt.slice(0, 10) : "";
  if (draft.apnsDate !== before) {
    if (draft.apnsDate === "") input.clearApnsCertificateExpiresAt = true;
    else input.apnsCertificateExpiresAt = `${draft.apnsDate}T00:00:00.000Z`;
  }
  return { input, errors };
}

/** Every setting, with the server's validation messages inline next to the field they are about. */
export function SettingsForm(props: {
  settings: SettingsData;
  canEdit: boolean;
  onSave(input: SettingsInput): Promise<SaveResult>;
}) {
  const [draft, setDraft] = createSignal<Draft>(draftOf(props.settings));
  const [errors, setErrors] = createSignal<FieldError[]>([]);
  const [message, setMessage] = createSignal<{ kind: "success" | "error" | "info"; text: string } | null>(null);
  const [saving, setSaving] = createSignal(false);
  const [dirty, setDirty] = createSignal(false);

  // Settings changed elsewhere (another admin, the subscription) replace an untouched form.
  createEffect(
    on(
      () => props.settings,
      (s) => {
        if (!dirty()) setDraft(draftOf(s));
      },
      { defer: true },
    ),
  );

  const errorFor = (field: string) => {
    const message = errors().find((e) => e.field === field)?.message;
    return message === undefined ? undefined : humanize(message);
  };
  const setNumber = (field: NumberField, value: string) => {
    setDirty(true);
    setDraft((d) => ({ ...d, numbers: { ...d.numbers, [field]: value } }));
  };
  const setFlag = (field: BooleanField, value: boolean) => {
    setDirty(true);
    setDraft((d) => ({ ...d, flags: { ...d.flags, [field]: value } }));
  };

  const submit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (event) => {
    event.preventDefault();
    setMessage(null);
    const { input, errors: local } = diffSettings(props.settings, draft());
    if (local.length) {
      setErrors(local);
      setMessage({ kind: "error", text: "Some values need fixing." });
      return;
    }
    if (Object.keys(input).length === 0) {
      setErrors([]);
      setMessage({ kind: "info", text: "Nothing changed." });
      return;
    }
    setSaving(true);
    const result = await props.onSave(input);
    setSaving(false);
    if (result.ok) {
      setErrors([]);
      setDirty(false);
      setDraft(draftOf(result.settings));
      setMessage({ kind: "success", text: "Settings saved." });
    } else {
      setErrors(result.fieldErrors);
      setMessage({ kind: "error", text: humanize(result.message) });
    }
  };

  const NumberInput = (p: { field: NumberField; label: string; unit: string; help: JSX.Element }) => (
    <div class="form-field" classList={{ invalid: !!errorFor(p.field) }}>
      <label for={`setting-${p.field}`}>{p.label}</label>
      <div class="input-with-unit">
        <input
          id={`setting-${p.field}`}
          name={p.field}
          inputmode="numeric"
          value={draft().numbers[p.field]}
          onInput={(e) => setNumber(p.field, e.currentTarget.value)}
          aria-invalid={errorFor(p.field) ? "true" : undefined}
          aria-describedby={`help-${p.field}${errorFor(p.field) ? ` error-${p.field}` : ""}`}
        />
        <span class="unit">{p.unit}</span>
      </div>
      <Show when={errorFor(p.field)}>
        {(text) => (
          <p id={`error-${p.field}`} class="field-error" data-testid={`error-${p.field}`}>
            {text()}
          </p>
        )}
      </Show>
      <p id={`help-${p.field}`} class="help">
        {p.help}
      </p>
    </div>
  );

  const Toggle = (p: { field: BooleanField; label: string; help: JSX.Element }) => (
    <div class="form-field toggle" classList={{ invalid: !!errorFor(p.field) }}>
      <label>
        <input
          type="checkbox"
          name={p.field}
          checked={draft().flags[p.field]}
          onChange={(e) => setFlag(p.field, e.currentTarget.checked)}
          aria-describedby={`help-${p.field}`}
        />
        {p.label}
      </label>
      <Show when={errorFor(p.field)}>
        {(text) => (
          <p class="field-error" data-testid={`error-${p.field}`}>
            {text()}
          </p>
        )}
      </Show>
      <p id={`help-${p.field}`} class="help">
        {p.help}
      </p>
    </div>
  );

  const unknownErrors = () =>
    errors().filter(
      (e) =>
        !["apnsCertificateExpiresAt", ...Object.keys(draft().numbers), ...Object.keys(draft().flags)].includes(e.field),
    );

  return (
    <form class="settings-form" onSubmit={submit} noValidate aria-label="Settings">
      <Show when={!props.canEdit}>
        <Notice kind="info">Read-only: changing settings needs an ADMIN token.</Notice>
      </Show>
      <fieldset disabled={!props.canEdit || saving()}>
        <section class="panel">
          <h2>Synchronisation</h2>
          <NumberInput
            field="syncIntervalMinutes"
            label="Sync with Fleet every"
            unit="minutes"
            help="Between 5 and 1440. The article's synchronisation period is 30 minutes: once the employee has fixed a device, it shows as correctly enrolled within one sync."
          />
        </section>
        <section class="panel">
          <h2>Status thresholds</h2>
          <NumberInput
            field="agentInactiveAfterHours"
            label="Agent inactive after"
            unit="hours"
            help="Hours without agent data, while the device is still in contact through MDM, before it shows as Agent inactive (“the FleetDM agent installed on the device is no longer sending data”)."
          />
          <NumberInput
            field="offlineAfterDays"
            label="Offline after"
            unit="days"
            help="Days without any contact, neither agent nor MDM, before the device shows as Offline."
          />
        </section>
        <section class="panel">
          <h2>Remote management: auto-unenrolment</h2>
          <p class="help">
            The article's remedy for an offline device is to “ask the employee to re-enroll their device. You can
            automate this action in Settings &gt; Remote Management &gt; Enable Auto-Unenrollment.” Auto-unenrolment
            purges from Fleet the devices that have been offline for a certain duration.
          </p>
          <Toggle
            field="autoUnenrollEnabled"
            label="Enable auto-unenrolment"
            help="At each sync, devices offline for longer than the delay below are purged from Fleet and marked Unenrolled."
          />
          <NumberInput
            field="autoUnenrollAfterDays"
            label="Unenrol devices offline for more than"
            unit="days"
            help="Must be greater than the offline threshold, so that only devices already offline are purged."
          />
          <NumberInput
            field="autoUnenrollMaxPercent"
            label="Ask me first above"
            unit="% of the fleet"
            help="A safety net: when one sync would purge more than this share of the fleet, nothing is purged until an admin confirms it."
          />
          <Toggle
            field="resendInvitationOnUnenroll"
            label="Resend the MDM invitation to employees whose devices have been purged"
            help="The article: “enable Auto-Unenrollment and select the option to automatically resend MDM invitations to employees whose devices have been purged (i.e., devices that have been offline for a certain duration).”"
          />
        </section>
        <section class="panel">
          <h2>Apple MDM</h2>
          <div class="form-field" classList={{ invalid: !!errorFor("apnsCertificateExpiresAt") }}>
            <label for="setting-apns">APNs certificate expires on</label>
            <input
              id="setting-apns"
              type="date"
              name="apnsCertificateExpiresAt"
              value={draft().apnsDate}
              onInput={(e) => {
                setDirty(true);
                const value = e.currentTarget.value;
                setDraft((d) => ({ ...d, apnsDate: value }));
              }}
              aria-invalid={errorFor("apnsCertificateExpiresAt") ? "true" : undefined}
              aria-describedby="help-apns"
            />
            <Show when={errorFor("apnsCertificateExpiresAt")}>
              {(text) => (
                <p class="field-error" data-testid="error-apnsCertificateExpiresAt">
                  {text()}
                </p>
              )}
            </Show>
            <p id="help-apns" class="help">
              If the APN (Apple Push Notification) certificate expires, Apple devices can no longer validate their MDM
              profile. The dashboard warns 30 days ahead. Leave empty if unknown.
            </p>
          </div>
        </section>
        <For each={unknownErrors()}>{(e) => <p class="field-error">{humanize(e.message)}</p>}</For>
        {/* A viewer sees no action buttons (the README's promise); the disabled fields show the values. */}
        <Show when={props.canEdit}>
          <div class="form-actions">
            <button type="submit" class="button primary" data-testid="save-settings">
              {saving() ? "Saving…" : "Save settings"}
            </button>
            <Show when={message()}>
              {(m) => (
                <Notice kind={m().kind} testid="settings-message">
                  {m().text}
                </Notice>
              )}
            </Show>
          </div>
        </Show>
      </fieldset>
    </form>
  );
}
