import { describe, expect, it } from "vitest";
import { DEFAULT_ALERT_RULES, validateAlertRule } from "../src/index.ts";

const valid = { name: "Offline a week", severity: "HIGH" as const, statuses: ["OFFLINE" as const] };

describe("validateAlertRule", () => {
  it("fills the defaults of a new rule and normalises lists", () => {
    const result = validateAlertRule(
      {},
      {
        ...valid,
        platforms: ["Darwin", "darwin", " windows "],
        teams: [" Engineering", "Engineering", "R&D"],
        statuses: ["OFFLINE", "OFFLINE"],
      },
    );
    expect(result).toEqual({
      ok: true,
      rule: {
        name: "Offline a week",
        enabled: true,
        severity: "HIGH",
        statuses: ["OFFLINE"],
        platforms: ["darwin", "windows"],
        teams: ["Engineering", "R&D"],
        includeNoTeam: false,
        gracePeriodHours: 0,
        adminNotification: "NONE",
        adminEmails: [],
        remindEmployee: false,
        notifyWebhooks: true,
      },
    });
  });

  it("counts teams after removing repeats", () => {
    const result = validateAlertRule({}, { ...valid, teams: Array.from({ length: 60 }, () => "Engineering") });
    expect(result).toMatchObject({ ok: true, rule: { teams: ["Engineering"] } });
  });

  it.each([
    ["no status", { statuses: [] }, "statuses", "statuses must name at least one status"],
    ["an unknown status", { statuses: ["ASLEEP"] }, "statuses", 'statuses: unknown status "ASLEEP"'],
    ["ENROLLED", { statuses: ["ENROLLED"] }, "statuses", "statuses cannot include ENROLLED"],
    ["an unknown platform", { platforms: ["amiga"] }, "platforms", 'platforms: unknown platform "amiga"'],
    ["an empty team name", { teams: ["Engineering", " "] }, "teams", "teams: a team name cannot be empty"],
    ["a team that is not a name", { teams: [42] }, "teams", "teams must be a list of team names"],
    ["too many teams", { teams: Array.from({ length: 51 }, (_, i) => `t${i}`) }, "teams", "at most 50 teams"],
    ["includeNoTeam not a boolean", { includeNoTeam: "yes" }, "includeNoTeam", "includeNoTeam must be true or false"],
    ["a negative grace period", { gracePeriodHours: -1 }, "gracePeriodHours", "between 0 and 8760 hours"],
    ["an absurd grace period", { gracePeriodHours: 100_000 }, "gracePeriodHours", "between 0 and 8760 hours"],
    ["a fractional grace period", { gracePeriodHours: 1.5 }, "gracePeriodHours", "whole number of hours"],
    ["an empty name", { name: "  " }, "name", "name must not be empty"],
    ["an unknown severity", { severity: "CRITICAL" }, "severity", "severity must be one of LOW, MEDIUM, HIGH"],
    ["a bad e-mail", { adminEmails: ["not-mail"] }, "adminEmails", '"not-mail" is not an e-mail address'],
    [
      "e-mail notification without addresses",
      { adminNotification: "IMMEDIATE" },
      "adminEmails",
      "adminEmails must name at least one address when adminNotification is IMMEDIATE",
    ],
    ["an unknown field", { colour: "red" }, "colour", "colour is not a rule field"],
  ])("refuses %s, naming the field", (_name, patch, field, message) => {
    const result = validateAlertRule({}, { ...valid, ...(patch as object) });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.field).toBe(field);
    expect(result.errors[0]?.message).toContain(message);
  });

  it("validates a patch against the stored rule as a whole", () => {
    const stored = DEFAULT_ALERT_RULES[0];
    if (!stored) throw new Error("no default rules");
    expect(validateAlertRule(stored, { gracePeriodHours: 24 })).toMatchObject({
      ok: true,
      rule: { gracePeriodHours: 24, name: stored.name },
    });
    const noMail = validateAlertRule(stored, { adminNotification: "DAILY_DIGEST" });
    expect(noMail).toMatchObject({ ok: false, errors: [{ field: "adminEmails" }] });
    expect(
      validateAlertRule(stored, { adminNotification: "DAILY_DIGEST", adminEmails: ["IT@Example.com"] }),
    ).toMatchObject({
      ok: true,
      rule: { adminEmails: ["it@example.com"] },
    });
  });

  it("the seeded defaults are the issue's four rules and are themselves valid", () => {
    expect(DEFAULT_ALERT_RULES.map((r) => [r.name, r.severity, r.statuses, r.gracePeriodHours])).toEqual([
      ["Offline 7+ days", "HIGH", ["OFFLINE"], 168],
      ["MDM profile missing", "HIGH", ["MDM_PROFILE_MISSING"], 0],
      ["Partially enrolled 3+ days", "MEDIUM", ["PARTIALLY_ENROLLED"], 72],
      ["Agent inactive 1+ day", "MEDIUM", ["AGENT_INACTIVE"], 24],
    ]);
    for (const rule of DEFAULT_ALERT_RULES) expect(validateAlertRule({}, rule).ok).toBe(true);
  });
});
