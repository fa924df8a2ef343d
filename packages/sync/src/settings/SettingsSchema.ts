/**
 * The Settings row (Prisma model Settings, id = 1) as the product sees it: its bounds, its defaults
 * and the one place that validates a change. The GraphQL mutation and the dashboard's settings
 * page both go through validateSettingsPatch, so an admin gets the same human messages everywhere.
 */
import { z } from "zod";
import type { EngineSettings } from "../engine/StatusEngine.ts";

function wholeNumberBetween(field: string, min: number, max: number, unit: "minutes" | "hours" | "days" | "percent") {
  const notWhole = `${field} must be a whole number of ${unit}`;
  const outOfRange = `${field} must be between ${min} and ${max} ${unit}`;
  return z
    .number({ error: notWhole })
    .int({ error: notWhole })
    .min(min, { error: outOfRange })
    .max(max, { error: outOfRange });
}

function yesNo(field: string) {
  return z.boolean({ error: `${field} must be true or false` });
}

const settingsFields = z.strictObject({
  // 30 minutes is the seed's synchronisation period between Fleet and the dashboard.
  syncIntervalMinutes: wholeNumberBetween("syncIntervalMinutes", 5, 1440, "minutes"),
  agentInactiveAfterHours: wholeNumberBetween("agentInactiveAfterHours", 1, 720, "hours"),
  offlineAfterDays: wholeNumberBetween("offlineAfterDays", 1, 365, "days"),
  autoUnenrollEnabled: yesNo("autoUnenrollEnabled"),
  autoUnenrollAfterDays: wholeNumberBetween("autoUnenrollAfterDays", 2, 730, "days"),
  autoUnenrollMaxPercent: wholeNumberBetween("autoUnenrollMaxPercent", 1, 100, "percent"),
  resendInvitationOnUnenroll: yesNo("resendInvitationOnUnenroll"),
  apnsCertificateExpiresAt: z.date({ error: "apnsCertificateExpiresAt must be a valid date or null" }).nullable(),
});

/**
 * The whole Settings object. Auto-unenrolment purges devices that have been offline, so its delay
 * must exceed the offline threshold, or it would purge devices that are not even offline yet. The
 * rule holds whether or not auto-unenrolment is enabled, so enabling it later can't hit a bad pair.
 */
export const SettingsSchema = settingsFields.check((ctx) => {
  const { offlineAfterDays, autoUnenrollAfterDays } = ctx.value;
  // Zod runs this even when fields failed; comparing an invalid value would only add noise.
  const { shape } = settingsFields;
  if (!shape.offlineAfterDays.safeParse(offlineAfterDays).success) return;
  if (!shape.autoUnenrollAfterDays.safeParse(autoUnenrollAfterDays).success) return;
  if (autoUnenrollAfterDays <= offlineAfterDays) {
    ctx.issues.push({
      code: "custom",
      input: autoUnenrollAfterDays,
      path: ["autoUnenrollAfterDays"],
      message: `autoUnenrollAfterDays must be greater than offlineAfterDays (${offlineAfterDays} days)`,
    });
  }
});

export type Settings = z.infer<typeof SettingsSchema>;

export const SETTINGS_KEYS = Object.keys(settingsFields.shape) as (keyof Settings)[];

/** The Prisma column defaults. */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  syncIntervalMinutes: 30,
  agentInactiveAfterHours: 24,
  offlineAfterDays: 7,
  autoUnenrollEnabled: false,
  autoUnenrollAfterDays: 30,
  autoUnenrollMaxPercent: 10,
  resendInvitationOnUnenroll: false,
  apnsCertificateExpiresAt: null,
});

export type SettingsError = { field: string; message: string };

export type SettingsPatchResult = { ok: true; settings: Settings } | { ok: false; errors: SettingsError[] };

/**
 * Applies a patch to the current settings and validates the result as a whole, so a patch that is
 * fine on its own but clashes with a current value (offline vs auto-unenrol days) is refused.
 * Keys set to undefined are left unchanged; null clears apnsCertificateExpiresAt. Unknown keys are
 * refused rather than ignored, so a typo does not look like a saved change. At most one error per
 * field, in field order.
 */
export function validateSettingsPatch(current: Settings, patch: Partial<Settings>): SettingsPatchResult {
  // Only known keys from `current`: callers may pass the database row, which also has id/updatedAt.
  const merged: Record<string, unknown> = {};
  for (const key of SETTINGS_KEYS) merged[key] = current[key];
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) merged[key] = value;
  }

  const result = SettingsSchema.safeParse(merged);
  if (result.success) return { ok: true, settings: result.data };

  const errors: SettingsError[] = [];
  const seen = new Set<string>();
  const add = (field: string, message: string) => {
    if (seen.has(field)) return;
    seen.add(field);
    errors.push({ field, message });
  };
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) add(key, `${key} is not a setting`);
    } else {
      add(String(issue.path[0] ?? ""), issue.message);
    }
  }
  return { ok: false, errors };
}

/** The thresholds the status engine reads. */
export function toEngineSettings(settings: Settings): EngineSettings {
  return {
    agentInactiveAfterHours: settings.agentInactiveAfterHours,
    offlineAfterDays: settings.offlineAfterDays,
    apnsCertificateExpiresAt: settings.apnsCertificateExpiresAt,
  };
}
