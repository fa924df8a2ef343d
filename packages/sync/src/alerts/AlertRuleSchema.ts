/**
 * Alert rules as the product sees them: their bounds, the seeded defaults and the one place that
 * validates a rule. The GraphQL mutations and the dashboard's rule form both go through
 * validateAlertRule, so an admin gets the same messages, each naming its field, everywhere.
 */
import { z } from "zod";
import { ENROLLMENT_STATUSES, type EnrollmentStatus } from "../engine/vocabulary.ts";

export const ALERT_SEVERITIES = ["LOW", "MEDIUM", "HIGH"] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const ADMIN_NOTIFICATIONS = ["NONE", "IMMEDIATE", "DAILY_DIGEST"] as const;
export type AdminNotification = (typeof ADMIN_NOTIFICATIONS)[number];

/** Fleet's platform values (fleet-api.md); a rule limited to anything else could never match. */
export const FLEET_PLATFORMS = ["darwin", "windows", "ubuntu", "rhel", "chrome", "ios", "ipados", "android"] as const;

/** A year: longer grace periods are almost surely a unit mistake (hours typed as minutes). */
export const MAX_GRACE_PERIOD_HOURS = 8_760;

const VIOLATION_STATUSES = ENROLLMENT_STATUSES.filter((s) => s !== "ENROLLED");

const alertRuleFields = z.strictObject({
  name: z
    .string({ error: "name must be text" })
    .trim()
    .min(1, { error: "name must not be empty" })
    .max(100, { error: "name must be at most 100 characters" }),
  enabled: z.boolean({ error: "enabled must be true or false" }),
  severity: z.enum(ALERT_SEVERITIES, { error: `severity must be one of ${ALERT_SEVERITIES.join(", ")}` }),
  statuses: z
    .array(
      z.enum(VIOLATION_STATUSES as [EnrollmentStatus, ...EnrollmentStatus[]], {
        error: (issue) =>
          issue.input === "ENROLLED"
            ? "statuses cannot include ENROLLED: an enrolled device breaks no rule"
            : `statuses: unknown status ${JSON.stringify(issue.input)} (one of ${VIOLATION_STATUSES.join(", ")})`,
      }),
      { error: "statuses must be a list of statuses" },
    )
    .min(1, { error: "statuses must name at least one status" })
    .transform((list) => [...new Set(list)]),
  platforms: z
    .array(
      z
        .string()
        .transform((p) => p.trim().toLowerCase())
        .pipe(
          z.enum(FLEET_PLATFORMS, {
            error: (issue) =>
              `platforms: unknown platform ${JSON.stringify(issue.input)} (one of ${FLEET_PLATFORMS.join(", ")})`,
          }),
        ),
      { error: "platforms must be a list of platforms" },
    )
    .transform((list) => [...new Set(list)]),
  teams: z
    .array(
      z
        .string({ error: "teams must be a list of team names" })
        .transform((team) => team.trim())
        .pipe(
          z
            .string()
            .min(1, { error: "teams: a team name cannot be empty" })
            .max(200, { error: "teams: a team name is at most 200 characters" }),
        ),
      { error: "teams must be a list of team names" },
    )
    .transform((list) => [...new Set(list)])
    .pipe(z.array(z.string()).max(50, { error: "teams can name at most 50 teams" })),
  includeNoTeam: z.boolean({ error: "includeNoTeam must be true or false" }),
  gracePeriodHours: z
    .number({ error: "gracePeriodHours must be a whole number of hours" })
    .int({ error: "gracePeriodHours must be a whole number of hours" })
    .min(0, { error: `gracePeriodHours must be between 0 and ${MAX_GRACE_PERIOD_HOURS} hours` })
    .max(MAX_GRACE_PERIOD_HOURS, { error: `gracePeriodHours must be between 0 and ${MAX_GRACE_PERIOD_HOURS} hours` }),
  adminNotification: z.enum(ADMIN_NOTIFICATIONS, {
    error: `adminNotification must be one of ${ADMIN_NOTIFICATIONS.join(", ")}`,
  }),
  adminEmails: z
    .array(z.email({ error: (issue) => `adminEmails: ${JSON.stringify(issue.input)} is not an e-mail address` }), {
      error: "adminEmails must be a list of e-mail addresses",
    })
    .max(20, { error: "adminEmails can hold at most 20 addresses" })
    .transform((list) => [...new Set(list.map((e) => e.toLowerCase()))]),
  remindEmployee: z.boolean({ error: "remindEmployee must be true or false" }),
  notifyWebhooks: z.boolean({ error: "notifyWebhooks must be true or false" }),
});

export const AlertRuleSchema = alertRuleFields.check((ctx) => {
  const { adminNotification, adminEmails } = ctx.value;
  if (adminNotification !== "NONE" && Array.isArray(adminEmails) && adminEmails.length === 0) {
    ctx.issues.push({
      code: "custom",
      input: adminEmails,
      path: ["adminEmails"],
      message: `adminEmails must name at least one address when adminNotification is ${adminNotification}`,
    });
  }
});

export type AlertRuleDefinition = z.output<typeof AlertRuleSchema>;
export type AlertRuleInput = Partial<z.input<typeof alertRuleFields>>;

export const NEW_RULE_DEFAULTS: Omit<AlertRuleDefinition, "name" | "severity" | "statuses"> = {
  enabled: true,
  platforms: [],
  teams: [],
  includeNoTeam: false,
  gracePeriodHours: 0,
  adminNotification: "NONE",
  adminEmails: [],
  remindEmployee: false,
  notifyWebhooks: true,
};

export type AlertRuleError = { field: string; message: string };
export type AlertRuleResult = { ok: true; rule: AlertRuleDefinition } | { ok: false; errors: AlertRuleError[] };

/**
 * Validates a whole rule: `base` (the stored rule, or the defaults for a new one) with `patch`
 * applied. Keys set to undefined are left as they are; unknown keys are refused. One error per field.
 */
export function validateAlertRule(base: Partial<AlertRuleDefinition>, patch: AlertRuleInput): AlertRuleResult {
  const merged: Record<string, unknown> = { ...NEW_RULE_DEFAULTS, ...base };
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) merged[key] = value;
  const parsed = AlertRuleSchema.safeParse(merged);
  if (parsed.success) return { ok: true, rule: parsed.data };
  const errors: AlertRuleError[] = [];
  for (const issue of parsed.error.issues) {
    const field = issue.code === "unrecognized_keys" ? (issue.keys[0] ?? "input") : String(issue.path[0] ?? "input");
    const message = issue.code === "unrecognized_keys" ? `${field} is not a rule field` : issue.message;
    if (!errors.some((e) => e.field === field)) errors.push({ field, message });
  }
  return { ok: false, errors };
}

/**
 * Seeded on first start; admins edit or delete them. Thresholds come from the help-centre article
 * (offline after 7 days) and the issue's defaults. Admin e-mail starts off: there is no address to
 * send to until an admin gives one.
 */
export const DEFAULT_ALERT_RULES: readonly AlertRuleDefinition[] = [
  {
    ...NEW_RULE_DEFAULTS,
    name: "Offline 7+ days",
    severity: "HIGH",
    statuses: ["OFFLINE"],
    gracePeriodHours: 7 * 24,
    remindEmployee: true,
  },
  { ...NEW_RULE_DEFAULTS, name: "MDM profile missing", severity: "HIGH", statuses: ["MDM_PROFILE_MISSING"] },
  {
    ...NEW_RULE_DEFAULTS,
    name: "Partially enrolled 3+ days",
    severity: "MEDIUM",
    statuses: ["PARTIALLY_ENROLLED"],
    gracePeriodHours: 3 * 24,
    remindEmployee: true,
  },
  {
    ...NEW_RULE_DEFAULTS,
    name: "Agent inactive 1+ day",
    severity: "MEDIUM",
    statuses: ["AGENT_INACTIVE"],
    gracePeriodHours: 24,
    remindEmployee: true,
  },
];
