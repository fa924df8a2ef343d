import { createSignal, For, type JSX, onMount, Show } from "solid-js";
import { Notice } from "../../components/Notice.tsx";
import { PLATFORM_LABELS, STATUS_INFO, STATUSES } from "../../lib/status.ts";
import type { FieldError } from "../settings/documents.ts";
import { ADMIN_NOTIFICATIONS, ALERT_SEVERITIES, type AlertRule, type AlertRuleInput } from "./documents.ts";
import { formatGracePeriod, NOTIFICATION_LABELS, SEVERITY_INFO } from "./present.ts";
import {
  draftOfRule,
  emptyDraft,
  humanizeRuleMessage,
  MAX_GRACE_PERIOD_HOURS,
  type RuleDraft,
  validateRuleDraft,
} from "./ruleForm.ts";

export type RuleSaveOutcome = { ok: true; rule: AlertRule } | { ok: false; message: string; fieldErrors: FieldError[] };

/** An enrolled device breaks no rule: the server refuses ENROLLED, so the form does not offer it. */
const RULE_STATUSES = STATUSES.filter((s) => s !== "ENROLLED");
/** Fleet's platforms as the server accepts them (android included, which the device list does not show). */
const RULE_PLATFORMS = ["darwin", "windows", "ubuntu", "rhel", "chrome", "ios", "ipados", "android"];
const RULE_PLATFORM_LABELS: Record<string, string> = { ...PLATFORM_LABELS, android: "Android" };
/** The fields the form shows an error next to; anything else is listed under the form. */
const FORM_FIELDS = [
  "name",
  "enabled",
  "severity",
  "statuses",
  "platforms",
  "teams",
  "includeNoTeam",
  "gracePeriodHours",
  "adminNotification",
  "adminEmails",
  "remindEmployee",
  "notifyWebhooks",
];

/**
 * Creates or edits a rule. The form checks what it can before sending (the server's own bounds and
 * words); what only the server knows (a name already taken) comes back as field errors, shown next
 * to the field they name.
 */
export function RuleForm(props: {
  rule: AlertRule | null;
  /** The fleet's team names, to choose from (the rule's own stay listed even if no device is in them). */
  teams?: readonly string[];
  onSave(input: AlertRuleInput): Promise<RuleSaveOutcome>;
  onCancel(): void;
}) {
  const [draft, setDraft] = createSignal<RuleDraft>(props.rule ? draftOfRule(props.rule) : emptyDraft());
  const [errors, setErrors] = createSignal<FieldError[]>([]);
  const [message, setMessage] = createSignal<string | null>(null);
  const [saving, setSaving] = createSignal(false);
  const prefix = props.rule ? `rule-${props.rule.id}` : "rule-new";
  let nameInput: HTMLInputElement | undefined;
  // The form opens on a click elsewhere on the page: focus follows, so keyboard users land in it.
  onMount(() => nameInput?.focus());
  const id = (field: string) => `${prefix}-${field}`;
  // The rule's own teams stay offered when no device is in them any more (unticked, they can be
  // ticked again).
  const teamChoices = () =>
    [...new Set([...(props.teams ?? []), ...(props.rule?.teams ?? [])])].sort((a, b) => a.localeCompare(b));

  const update = <K extends keyof RuleDraft>(field: K, value: RuleDraft[K]) =>
    setDraft((d) => ({ ...d, [field]: value }));
  const toggleIn = (field: "statuses" | "platforms" | "teams", value: string, on: boolean) =>
    setDraft((d) => {
      const list = d[field] as string[];
      const next = on ? [...list.filter((v) => v !== value), value] : list.filter((v) => v !== value);
      return { ...d, [field]: next };
    });
  const errorFor = (field: string) => {
    const text = errors().find((e) => e.field === field)?.message;
    return text === undefined ? undefined : humanizeRuleMessage(text);
  };
  const invalid = (field: string) => (errorFor(field) ? "true" : undefined);
  const describedBy = (field: string, help = false) =>
    [help ? `${id(field)}-help` : "", errorFor(field) ? `${id(field)}-error` : ""].filter(Boolean).join(" ") ||
    undefined;
  const otherErrors = () => errors().filter((e) => !FORM_FIELDS.includes(e.field));
  const graceHint = () => {
    const text = draft().gracePeriodHours.trim();
    return /^\d+$/.test(text) ? formatGracePeriod(Number(text)) : "";
  };

  const submit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (event) => {
    event.preventDefault();
    setMessage(null);
    const { input, errors: local } = validateRuleDraft(draft());
    if (local.length > 0) {
      setErrors(local);
      setMessage("Some fields need fixing.");
      return;
    }
    setSaving(true);
    const result = await props.onSave(input);
    setSaving(false);
    if (result.ok) {
      setErrors([]);
      return;
    }
    setErrors(result.fieldErrors);
    setMessage(humanizeRuleMessage(result.message));
  };

  const FieldErrorText = (p: { field: string }) => (
    <Show when={errorFor(p.field)}>
      {(text) => (
        <p id={`${id(p.field)}-error`} class="field-error" data-testid={`rule-error-${p.field}`}>
          {text()}
        </p>
      )}
    </Show>
  );
  /** A list field as checkboxes: the rule's statuses, platforms or teams. */
  const ChoiceGroup = (p: {
    field: "statuses" | "platforms" | "teams";
    legend: string;
    choices: readonly string[];
    label(value: string): string;
    help: string;
    /** A choice that is not a list item, after the others (the teams' "No team"). */
    extra?: JSX.Element;
  }) => (
    <fieldset
      class="form-field choice-group"
      classList={{ invalid: !!errorFor(p.field) }}
      aria-invalid={invalid(p.field)}
      aria-describedby={describedBy(p.field, true)}
    >
      <legend>{p.legend}</legend>
      <For each={p.choices}>
        {(value) => (
          <label class="check">
            <input
              type="checkbox"
              name={p.field}
              value={value}
              checked={(draft()[p.field] as readonly string[]).includes(value)}
              onChange={(e) => toggleIn(p.field, value, e.currentTarget.checked)}
            />
            {p.label(value)}
          </label>
        )}
      </For>
      {p.extra}
      <p id={`${id(p.field)}-help`} class="help">
        {p.help}
      </p>
      <FieldErrorText field={p.field} />
    </fieldset>
  );

  /** One of the rule's on/off settings, with its field error. */
  const Toggle = (p: { field: "remindEmployee" | "notifyWebhooks" | "enabled"; children: JSX.Element }) => (
    <div class="form-field toggle">
      <label>
        <input
          type="checkbox"
          name={p.field}
          checked={draft()[p.field]}
          onChange={(e) => update(p.field, e.currentTarget.checked)}
        />
        {p.children}
      </label>
      <FieldErrorText field={p.field} />
    </div>
  );

  return (
    <form
      class="panel rule-form"
      onSubmit={submit}
      noValidate
      aria-labelledby={`${prefix}-title`}
      data-testid="rule-form"
    >
      <h2 id={`${prefix}-title`}>{props.rule ? `Edit “${props.rule.name}”` : "New alert rule"}</h2>
      <fieldset class="rule-fields" disabled={saving()}>
        <div class="form-field" classList={{ invalid: !!errorFor("name") }}>
          <label for={id("name")}>Name</label>
          <input
            ref={nameInput}
            id={id("name")}
            name="name"
            maxLength={100}
            value={draft().name}
            onInput={(e) => update("name", e.currentTarget.value)}
            aria-invalid={invalid("name")}
            aria-describedby={describedBy("name")}
          />
          <FieldErrorText field="name" />
        </div>
        <div class="form-field" classList={{ invalid: !!errorFor("severity") }}>
          <label for={id("severity")}>Severity</label>
          <select
            id={id("severity")}
            name="severity"
            value={draft().severity}
            onChange={(e) => {
              const value = ALERT_SEVERITIES.find((s) => s === e.currentTarget.value);
              if (value) update("severity", value);
            }}
          >
            <For each={ALERT_SEVERITIES}>{(s) => <option value={s}>{SEVERITY_INFO[s].label}</option>}</For>
          </select>
          <FieldErrorText field="severity" />
        </div>
        <ChoiceGroup
          field="statuses"
          legend="Device statuses that break the rule"
          choices={RULE_STATUSES}
          label={(status) => STATUS_INFO[status as (typeof RULE_STATUSES)[number]].label}
          help="At least one. A device in any of them (for the grace period) opens an alert."
        />
        <ChoiceGroup
          field="platforms"
          legend="Platforms"
          choices={RULE_PLATFORMS}
          label={(platform) => RULE_PLATFORM_LABELS[platform] ?? platform}
          help="None checked: every platform."
        />
        {/* Shown with a rule in no team too, so that choice can be taken back in a fleet without teams. */}
        <Show when={teamChoices().length > 0 || draft().includeNoTeam}>
          <ChoiceGroup
            field="teams"
            legend="Teams"
            choices={teamChoices()}
            label={(team) => team}
            help="None checked: every team, and the devices in none. No team: the devices in no team (beside the teams checked)."
            extra={
              <label class="check">
                <input
                  type="checkbox"
                  name="includeNoTeam"
                  checked={draft().includeNoTeam}
                  onChange={(e) => update("includeNoTeam", e.currentTarget.checked)}
                />
                <em>No team</em>
              </label>
            }
          />
        </Show>
        <div class="form-field" classList={{ invalid: !!errorFor("gracePeriodHours") }}>
          <label for={id("gracePeriodHours")}>Grace period</label>
          <div class="input-with-unit">
            <input
              id={id("gracePeriodHours")}
              name="gracePeriodHours"
              inputmode="numeric"
              value={draft().gracePeriodHours}
              onInput={(e) => update("gracePeriodHours", e.currentTarget.value)}
              aria-invalid={invalid("gracePeriodHours")}
              aria-describedby={describedBy("gracePeriodHours", true)}
            />
            <span class="unit">hours</span>
            <span class="muted" data-testid="grace-hint">
              {graceHint()}
            </span>
          </div>
          <FieldErrorText field="gracePeriodHours" />
          <p id={`${id("gracePeriodHours")}-help`} class="help">
            How long a device stays in the status before an alert opens: 0 to {MAX_GRACE_PERIOD_HOURS} (a year).
          </p>
        </div>
        <div class="form-field" classList={{ invalid: !!errorFor("adminNotification") }}>
          <label for={id("adminNotification")}>E-mail admins</label>
          <select
            id={id("adminNotification")}
            name="adminNotification"
            value={draft().adminNotification}
            onChange={(e) => {
              const value = ADMIN_NOTIFICATIONS.find((n) => n === e.currentTarget.value);
              if (value) update("adminNotification", value);
            }}
          >
            <For each={ADMIN_NOTIFICATIONS}>{(n) => <option value={n}>{NOTIFICATION_LABELS[n]}</option>}</For>
          </select>
          <FieldErrorText field="adminNotification" />
        </div>
        <div class="form-field" classList={{ invalid: !!errorFor("adminEmails") }}>
          <label for={id("adminEmails")}>Admin e-mail addresses</label>
          <textarea
            id={id("adminEmails")}
            name="adminEmails"
            rows={2}
            value={draft().adminEmails}
            onInput={(e) => update("adminEmails", e.currentTarget.value)}
            aria-invalid={invalid("adminEmails")}
            aria-describedby={describedBy("adminEmails", true)}
          />
          <FieldErrorText field="adminEmails" />
          <p id={`${id("adminEmails")}-help`} class="help">
            Separated by commas or new lines; at most 20. Needed unless admins get no e-mail.
          </p>
        </div>
        <Toggle field="remindEmployee">Send the owner the remediation message when an alert opens</Toggle>
        <Toggle field="notifyWebhooks">Post this rule's alerts to the webhooks</Toggle>
        <Toggle field="enabled">Enabled</Toggle>
        <For each={otherErrors()}>{(e) => <p class="field-error">{humanizeRuleMessage(e.message)}</p>}</For>
        <div class="form-actions">
          <button type="submit" class="button primary" data-testid="save-rule">
            {saving() ? "Saving…" : props.rule ? "Save rule" : "Create rule"}
          </button>
          <button type="button" class="button" onClick={() => props.onCancel()}>
            Cancel
          </button>
          <Show when={message()}>
            {(text) => (
              <Notice kind="error" testid="rule-message">
                {text()}
              </Notice>
            )}
          </Show>
        </div>
      </fieldset>
    </form>
  );
}
