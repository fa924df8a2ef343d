import { describe, expect, it } from "vitest";
import {
  DEFAULT_SETTINGS,
  type Settings,
  SettingsSchema,
  toEngineSettings,
  validateSettingsPatch,
} from "../src/settings/index.ts";

/** Lets a test send what a GraphQL client could send, whatever the TypeScript type says. */
function untyped(patch: Record<string, unknown>): Partial<Settings> {
  return patch as Partial<Settings>;
}

function errorsOf(patch: Record<string, unknown>, current: Settings = DEFAULT_SETTINGS) {
  const result = validateSettingsPatch(current, untyped(patch));
  return result.ok ? [] : result.errors;
}

describe("defaults", () => {
  it("match the Prisma column defaults and are valid", () => {
    expect(DEFAULT_SETTINGS).toEqual({
      syncIntervalMinutes: 30,
      agentInactiveAfterHours: 24,
      offlineAfterDays: 7,
      autoUnenrollEnabled: false,
      autoUnenrollAfterDays: 30,
      autoUnenrollMaxPercent: 10,
      resendInvitationOnUnenroll: false,
      apnsCertificateExpiresAt: null,
    });
    expect(SettingsSchema.safeParse(DEFAULT_SETTINGS).success).toBe(true);
    expect(validateSettingsPatch(DEFAULT_SETTINGS, {})).toEqual({ ok: true, settings: DEFAULT_SETTINGS });
  });

  it("cannot be mutated by accident", () => {
    expect(Object.isFrozen(DEFAULT_SETTINGS)).toBe(true);
  });
});

describe("integer bounds", () => {
  it.each([
    ["syncIntervalMinutes", 5, 1440, "minutes"],
    ["agentInactiveAfterHours", 1, 720, "hours"],
    ["offlineAfterDays", 1, 365, "days"],
    ["autoUnenrollAfterDays", 2, 730, "days"],
    ["autoUnenrollMaxPercent", 1, 100, "percent"],
  ] as const)("%s accepts %i..%i and refuses one past either end", (field, min, max, unit) => {
    // Offline at its floor and auto-unenrol at its ceiling keep the cross-field rule out of the way.
    const current = { ...DEFAULT_SETTINGS, offlineAfterDays: 1, autoUnenrollAfterDays: 730 };
    for (const ok of [min, max]) {
      const result = validateSettingsPatch(current, { [field]: ok });
      expect(result.ok && result.settings[field]).toBe(ok);
    }
    const message = `${field} must be between ${min} and ${max} ${unit}`;
    expect(errorsOf({ [field]: min - 1 }, current)).toEqual([{ field, message }]);
    expect(errorsOf({ [field]: max + 1 }, current)).toEqual([{ field, message }]);
  });

  it("uses the documented message for the sync interval", () => {
    expect(errorsOf({ syncIntervalMinutes: 4 })).toEqual([
      { field: "syncIntervalMinutes", message: "syncIntervalMinutes must be between 5 and 1440 minutes" },
    ]);
  });

  it("autoUnenrollAfterDays' own floor is 2 days", () => {
    const current = { ...DEFAULT_SETTINGS, offlineAfterDays: 1 };
    expect(validateSettingsPatch(current, { autoUnenrollAfterDays: 2 }).ok).toBe(true);
    expect(errorsOf({ autoUnenrollAfterDays: 1 }, current)).toEqual([
      { field: "autoUnenrollAfterDays", message: "autoUnenrollAfterDays must be between 2 and 730 days" },
    ]);
  });
});

describe("autoUnenrollAfterDays must exceed offlineAfterDays", () => {
  it.each([
    [{ autoUnenrollAfterDays: 7 }, false],
    [{ autoUnenrollAfterDays: 8 }, true],
    [{ offlineAfterDays: 30 }, false],
    [{ offlineAfterDays: 29 }, true],
    [{ offlineAfterDays: 60, autoUnenrollAfterDays: 61 }, true],
    [{ offlineAfterDays: 60, autoUnenrollAfterDays: 45 }, false],
    // Holds while auto-unenrolment is off, so enabling it later cannot hit a bad pair.
    [{ autoUnenrollEnabled: false, autoUnenrollAfterDays: 5 }, false],
  ] satisfies [Partial<Settings>, boolean][])("%j → ok %s", (patch: Partial<Settings>, ok) => {
    const result = validateSettingsPatch(DEFAULT_SETTINGS, patch);
    expect(result.ok).toBe(ok);
    if (!result.ok) {
      const offline = patch.offlineAfterDays ?? DEFAULT_SETTINGS.offlineAfterDays;
      expect(result.errors).toEqual([
        {
          field: "autoUnenrollAfterDays",
          message: `autoUnenrollAfterDays must be greater than offlineAfterDays (${offline} days)`,
        },
      ]);
    }
  });

  it("is checked against the current value the patch leaves alone", () => {
    const current = { ...DEFAULT_SETTINGS, offlineAfterDays: 20, autoUnenrollAfterDays: 25 };
    expect(errorsOf({ autoUnenrollAfterDays: 20 }, current).map((error) => error.field)).toEqual([
      "autoUnenrollAfterDays",
    ]);
    expect(errorsOf({ offlineAfterDays: 25 }, current).map((error) => error.field)).toEqual(["autoUnenrollAfterDays"]);
  });

  it("is not reported on top of an invalid offlineAfterDays", () => {
    expect(errorsOf({ offlineAfterDays: 400 })).toEqual([
      { field: "offlineAfterDays", message: "offlineAfterDays must be between 1 and 365 days" },
    ]);
  });
});

describe("wrong types", () => {
  it.each([
    ["syncIntervalMinutes", "30", "syncIntervalMinutes must be a whole number of minutes"],
    ["syncIntervalMinutes", 30.5, "syncIntervalMinutes must be a whole number of minutes"],
    ["syncIntervalMinutes", null, "syncIntervalMinutes must be a whole number of minutes"],
    ["syncIntervalMinutes", Number.NaN, "syncIntervalMinutes must be a whole number of minutes"],
    ["agentInactiveAfterHours", Number.POSITIVE_INFINITY, "agentInactiveAfterHours must be a whole number of hours"],
    ["offlineAfterDays", "7", "offlineAfterDays must be a whole number of days"],
    ["autoUnenrollMaxPercent", 12.5, "autoUnenrollMaxPercent must be a whole number of percent"],
    ["autoUnenrollEnabled", "true", "autoUnenrollEnabled must be true or false"],
    ["resendInvitationOnUnenroll", 1, "resendInvitationOnUnenroll must be true or false"],
    ["apnsCertificateExpiresAt", "2026-01-01T00:00:00Z", "apnsCertificateExpiresAt must be a valid date or null"],
    ["apnsCertificateExpiresAt", new Date("not a date"), "apnsCertificateExpiresAt must be a valid date or null"],
  ])("%s = %j → %s", (field, value, message) => {
    expect(errorsOf({ [field]: value })).toEqual([{ field, message }]);
  });

  it("reports one error per field, every bad field", () => {
    expect(errorsOf({ syncIntervalMinutes: 2.5, autoUnenrollEnabled: "no", offlineAfterDays: 0 })).toEqual([
      { field: "syncIntervalMinutes", message: "syncIntervalMinutes must be a whole number of minutes" },
      { field: "offlineAfterDays", message: "offlineAfterDays must be between 1 and 365 days" },
      { field: "autoUnenrollEnabled", message: "autoUnenrollEnabled must be true or false" },
    ]);
  });
});

describe("unknown keys", () => {
  it("are refused, each named", () => {
    expect(errorsOf({ syncIntervalMinute: 10, colour: "blue" })).toEqual([
      { field: "syncIntervalMinute", message: "syncIntervalMinute is not a setting" },
      { field: "colour", message: "colour is not a setting" },
    ]);
  });

  it("are refused alongside other errors", () => {
    expect(
      errorsOf({ id: 2, syncIntervalMinutes: 0 })
        .map((error) => error.field)
        .sort(),
    ).toEqual(["id", "syncIntervalMinutes"]);
  });

  it("in the current row (a database row's id/updatedAt) are ignored", () => {
    const row = { ...DEFAULT_SETTINGS, id: 1, updatedAt: new Date("2025-01-01T00:00:00Z") };
    expect(validateSettingsPatch(row, { syncIntervalMinutes: 15 })).toEqual({
      ok: true,
      settings: { ...DEFAULT_SETTINGS, syncIntervalMinutes: 15 },
    });
  });
});

describe("merging", () => {
  it("applies the patch over the current settings", () => {
    const current = { ...DEFAULT_SETTINGS, syncIntervalMinutes: 60, autoUnenrollEnabled: true };
    const expiresAt = new Date("2026-03-01T00:00:00Z");
    expect(
      validateSettingsPatch(current, { resendInvitationOnUnenroll: true, apnsCertificateExpiresAt: expiresAt }),
    ).toEqual({
      ok: true,
      settings: { ...current, resendInvitationOnUnenroll: true, apnsCertificateExpiresAt: expiresAt },
    });
  });

  it("leaves undefined keys unchanged and lets null clear the APNs date", () => {
    const current = { ...DEFAULT_SETTINGS, apnsCertificateExpiresAt: new Date("2026-03-01T00:00:00Z") };
    const unchanged = validateSettingsPatch(current, { syncIntervalMinutes: undefined });
    expect(unchanged).toEqual({ ok: true, settings: current });
    const cleared = validateSettingsPatch(current, { apnsCertificateExpiresAt: null });
    expect(cleared).toEqual({ ok: true, settings: { ...current, apnsCertificateExpiresAt: null } });
  });

  it("does not modify the current settings or the patch", () => {
    const current = { ...DEFAULT_SETTINGS };
    const patch = { syncIntervalMinutes: 45 };
    validateSettingsPatch(current, patch);
    expect(current).toEqual(DEFAULT_SETTINGS);
    expect(patch).toEqual({ syncIntervalMinutes: 45 });
  });
});

describe("toEngineSettings", () => {
  it("passes the engine's thresholds through", () => {
    const expiresAt = new Date("2026-03-01T00:00:00Z");
    expect(
      toEngineSettings({ ...DEFAULT_SETTINGS, agentInactiveAfterHours: 12, apnsCertificateExpiresAt: expiresAt }),
    ).toEqual({
      agentInactiveAfterHours: 12,
      offlineAfterDays: 7,
      apnsCertificateExpiresAt: expiresAt,
    });
  });
});
