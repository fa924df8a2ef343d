import type { EnrollmentStatus } from "../../lib/status.ts";
import type { FieldError } from "../settings/documents.ts";
import type { AdminNotification, AlertRule, AlertRuleInput, AlertSeverity } from "./documents.ts";

/** The rule form as typed: text stays text until it is checked. */
export interface RuleDraft {
  name: string;
  enabled: boolean;
  severity: AlertSeverity;
  statuses: EnrollmentStatus[];
  /** Empty means every platform. */
  platforms: string[];
  /** Fleet team names; empty (and no includeNoTeam) means every team. */
  teams: string[];
  /** The devices in no team too; alone, only they. */
  includeNoTeam: boolean;
  gracePeriodHours: string;
  adminNotification: AdminNotification;
  /** Addresses separated by commas, spaces or new lines. */
  adminEmails: string;
  remindEmployee: boolean;
  notifyWebhooks: boolean;
}

/** The server's bounds (packages/sync AlertRuleSchema): the form says no before a round trip. */
export const MAX_GRACE_PERIOD_HOURS = 8_760;
const MAX_NAME = 100;
const MAX_EMAILS = 20;
// Deliberately loose: the server has the final word; this catches typos such as a missing "@".
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;

/** A new rule starts as the server's defaults for the fields the form does not require. */
export function emptyDraft(): RuleDraft {
  return {
    name: "",
    enabled: true,
    severity: "MEDIUM",
    statuses: [],
    platforms: [],
    teams: [],
    includeNoTeam: false,
    gracePeriodHours: "0",
    adminNotification: "NONE",
    adminEmails: "",
    remindEmployee: false,
    notifyWebhooks: true,
  };
}

export function draftOfRule(rule: AlertRule): RuleDraft {
  return {
    name: rule.name,
    enabled: rule.enabled,
    severity: rule.severity,
    statuses: [...rule.statuses],
    platforms: [...rule.platforms],
    teams: [...rule.teams],
    includeNoTeam: rule.includeNoTeam,
    gracePeriodHours: String(rule.gracePeriodHours),
    adminNotification: rule.adminNotification,
    adminEmails: rule.adminEmails.join(", "),
    remindEmployee: rule.remindEmployee,
    notifyWebhooks: rule.notifyWebhooks,
  };
}

export function parseEmails(text: string): string[] {
  return text.split(/[\s,;]+/).filter((e) => e.length > 0);
}

/**
 * The whole rule as an input, or the errors that stop it, one per field. The messages are the
 * server's own words for the same mistakes, so a field reads the same whichever side caught it.
 */
export function validateRuleDraft(draft: RuleDraft): { input: AlertRuleInput; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const name = draft.name.trim();
  if (name.length === 0) errors.push({ field: "name", message: "name must not be empty" });
  else if (name.length > MAX_NAME) errors.push({ field: "name", message: "name must be at most 100 characters" });

  if (draft.statuses.length === 0) {
    errors.push({ field: "statuses", message: "statuses must name at least one status" });
  } else if (draft.statuses.includes("ENROLLED")) {
    errors.push({ field: "statuses", message: "statuses cannot include ENROLLED: an enrolled device breaks no rule" });
  }

  const graceText = draft.gracePeriodHours.trim();
  const grace = Number(graceText);
  if (!/^-?\d+$/.test(graceText)) {
    errors.push({ field: "gracePeriodHours", message: "gracePeriodHours must be a whole number of hours" });
  } else if (grace < 0 || grace > MAX_GRACE_PERIOD_HOURS) {
    errors.push({
      field: "gracePeriodHours",
      message: `gracePeriodHours must be between 0 and ${MAX_GRACE_PERIOD_HOURS} hours`,
    });
  }

  const emails = [...new Set(parseEmails(draft.adminEmails).map((e) => e.toLowerCase()))];
  const bad = emails.find((e) => !EMAIL.test(e));
  if (bad !== undefined) {
    errors.push({ field: "adminEmails", message: `adminEmails: ${JSON.stringify(bad)} is not an e-mail address` });
  } else if (emails.length > MAX_EMAILS) {
    errors.push({ field: "adminEmails", message: "adminEmails can hold at most 20 addresses" });
  } else if (draft.adminNotification !== "NONE" && emails.length === 0) {
    errors.push({
      field: "adminEmails",
      message: `adminEmails must name at least one address when adminNotification is ${draft.adminNotification}`,
    });
  }

  return {
    input: {
      name,
      enabled: draft.enabled,
      severity: draft.severity,
      statuses: [...draft.statuses],
      platforms: [...draft.platforms],
      teams: [...draft.teams],
      includeNoTeam: draft.includeNoTeam,
      gracePeriodHours: grace,
      adminNotification: draft.adminNotification,
      adminEmails: emails,
      remindEmployee: draft.remindEmployee,
      notifyWebhooks: draft.notifyWebhooks,
    },
    errors,
  };
}

/** How messages name the rule's fields: the server speaks in field names, the form in words. */
const FIELD_WORDS: Record<string, string> = {
  gracePeriodHours: "the grace period",
  adminEmails: "the admin e-mails",
  adminNotification: "the admin notification",
  remindEmployee: "the owner reminder",
  notifyWebhooks: "the webhook setting",
};

/** "gracePeriodHours must be between 0 and 8760 hours" → "The grace period must be between 0 and 8760 hours". */
export function humanizeRuleMessage(message: string): string {
  const text = message
    .replace(/\b[a-z]+(?:[A-Z][a-z]+)+\b/g, (name) => FIELD_WORDS[name] ?? name)
    .replace(/^url\b/, "the URL");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The webhook form, checked as the server will (WebhookInput): name, an http(s) URL, at least one event. */
export function validateWebhookDraft(draft: { name: string; url: string; events: readonly string[] }): FieldError[] {
  const errors: FieldError[] = [];
  const name = draft.name.trim();
  if (name.length < 1 || name.length > MAX_NAME) {
    errors.push({ field: "name", message: "name must be 1 to 100 characters" });
  }
  const url = draft.url.trim();
  if (!url) errors.push({ field: "url", message: "url is required" });
  else if (!isHttpUrl(url)) errors.push({ field: "url", message: "url must be an http:// or https:// address" });
  if (draft.events.length === 0) errors.push({ field: "events", message: "events must name at least one alert event" });
  return errors;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
