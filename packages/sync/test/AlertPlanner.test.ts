import { describe, expect, it } from "vitest";
import { breaksRule, planAlerts } from "../src/index.ts";

const HOUR = 3_600_000;
const NOW = new Date("2026-06-10T12:00:00Z");
const ago = (hours: number) => new Date(NOW.getTime() - hours * HOUR);

const offline7d = {
  id: "r-offline",
  enabled: true,
  severity: "HIGH" as const,
  statuses: ["OFFLINE" as const],
  platforms: [] as string[],
  teams: [] as string[],
  includeNoTeam: false,
  gracePeriodHours: 168,
};
const macMdm = {
  id: "r-mdm",
  enabled: true,
  severity: "HIGH" as const,
  statuses: ["MDM_PROFILE_MISSING" as const, "PARTIALLY_ENROLLED" as const],
  platforms: ["darwin"],
  teams: [] as string[],
  includeNoTeam: false,
  gracePeriodHours: 0,
};
const engineeringOffline = { ...offline7d, id: "r-eng", teams: ["Engineering", "Servers"], gracePeriodHours: 0 };
const noTeamOffline = { ...offline7d, id: "r-none", includeNoTeam: true, gracePeriodHours: 0 };
const serversOrNoTeam = { ...engineeringOffline, id: "r-servers-none", teams: ["Servers"], includeNoTeam: true };

describe("breaksRule", () => {
  it.each([
    ["right status, grace period over", offline7d, { status: "OFFLINE", platform: "windows", since: 200 }, true],
    ["exactly at the grace period", offline7d, { status: "OFFLINE", platform: "windows", since: 168 }, true],
    ["an hour short of the grace period", offline7d, { status: "OFFLINE", platform: "windows", since: 167 }, false],
    ["another status", offline7d, { status: "AGENT_INACTIVE", platform: "windows", since: 500 }, false],
    ["enrolled", offline7d, { status: "ENROLLED", platform: "darwin", since: 500 }, false],
    ["disabled rule", { ...offline7d, enabled: false }, { status: "OFFLINE", platform: "windows", since: 500 }, false],
    [
      "platform listed (any status of the rule)",
      macMdm,
      { status: "PARTIALLY_ENROLLED", platform: "darwin", since: 0 },
      true,
    ],
    [
      "platform case from Fleet does not matter",
      macMdm,
      { status: "MDM_PROFILE_MISSING", platform: "Darwin", since: 1 },
      true,
    ],
    ["platform not listed", macMdm, { status: "MDM_PROFILE_MISSING", platform: "ios", since: 10 }, false],
    ["team listed", engineeringOffline, { status: "OFFLINE", platform: "ubuntu", since: 1, team: "Servers" }, true],
    [
      "team not listed",
      engineeringOffline,
      { status: "OFFLINE", platform: "ubuntu", since: 1, team: "Workstations" },
      false,
    ],
    [
      "a rule with teams skips devices in none",
      engineeringOffline,
      { status: "OFFLINE", platform: "ubuntu", since: 1 },
      false,
    ],
    [
      "team names are exact",
      engineeringOffline,
      { status: "OFFLINE", platform: "ubuntu", since: 1, team: "engineering" },
      false,
    ],
    ["no team only: a device in none", noTeamOffline, { status: "OFFLINE", platform: "ubuntu", since: 1 }, true],
    [
      "no team only: a device in a team",
      noTeamOffline,
      { status: "OFFLINE", platform: "ubuntu", since: 1, team: "Servers" },
      false,
    ],
    ["a team or none: in none", serversOrNoTeam, { status: "OFFLINE", platform: "ubuntu", since: 1 }, true],
    [
      "a team or none: in the team",
      serversOrNoTeam,
      { status: "OFFLINE", platform: "ubuntu", since: 1, team: "Servers" },
      true,
    ],
    [
      "a team or none: in another team",
      serversOrNoTeam,
      { status: "OFFLINE", platform: "ubuntu", since: 1, team: "Engineering" },
      false,
    ],
    [
      "a rule without teams takes every team",
      offline7d,
      { status: "OFFLINE", platform: "windows", since: 200, team: "Mobile" },
      true,
    ],
  ] as const)("%s", (_name, rule, device, expected) => {
    expect(
      breaksRule(
        rule,
        {
          id: "d",
          status: device.status,
          platform: device.platform,
          teamName: "team" in device ? device.team : null,
          statusSince: ago(device.since),
        },
        NOW,
      ),
    ).toBe(expected);
  });
});

describe("planAlerts", () => {
  const device = (id: string, status: string, sinceHours: number, platform = "darwin") => ({
    id,
    status: status as "OFFLINE",
    platform,
    teamName: null,
    statusSince: ago(sinceHours),
  });

  it("opens one alert per device and rule broken, nothing for devices within the grace period", () => {
    const plan = planAlerts(
      [offline7d, macMdm],
      [device("a", "OFFLINE", 200), device("b", "OFFLINE", 10), device("c", "MDM_PROFILE_MISSING", 1)],
      [],
      NOW,
    );
    expect(plan.open.map((o) => `${o.ruleId}/${o.deviceId}`)).toEqual(["r-offline/a", "r-mdm/c"]);
    expect(plan.open[0]).toMatchObject({ severity: "HIGH", status: "OFFLINE", statusSince: ago(200) });
    expect(plan.resolve).toEqual([]);
  });

  it("keeps live alerts of devices still breaking the rule, whatever their state, and opens nothing twice", () => {
    const live = [
      { id: "x1", ruleId: "r-offline", deviceId: "a", state: "OPEN" as const, snoozedUntil: null },
      { id: "x2", ruleId: "r-mdm", deviceId: "c", state: "ACKNOWLEDGED" as const, snoozedUntil: null },
    ];
    const plan = planAlerts(
      [offline7d, macMdm],
      [device("a", "OFFLINE", 300), device("c", "MDM_PROFILE_MISSING", 5)],
      live,
      NOW,
    );
    expect(plan).toEqual({ open: [], resolve: [], reopen: [] });
  });

  it("resolves alerts whose device was fixed, left the candidates, or whose rule is disabled or gone", () => {
    const live = [
      { id: "fixed", ruleId: "r-offline", deviceId: "a", state: "OPEN" as const, snoozedUntil: null },
      { id: "other-status", ruleId: "r-mdm", deviceId: "c", state: "ACKNOWLEDGED" as const, snoozedUntil: null },
      { id: "rule-off", ruleId: "r-offline", deviceId: "d", state: "OPEN" as const, snoozedUntil: null },
      { id: "rule-gone", ruleId: "r-deleted", deviceId: "d", state: "SNOOZED" as const, snoozedUntil: ago(-5) },
    ];
    const plan = planAlerts(
      [{ ...offline7d, enabled: false }, macMdm],
      [device("c", "OFFLINE", 500), device("d", "OFFLINE", 500)],
      live,
      NOW,
    );
    expect(plan.resolve.sort()).toEqual(["fixed", "other-status", "rule-gone", "rule-off"]);
    expect(plan.open).toEqual([]);
  });

  it("reopens a snoozed alert once its snooze has run out, not before", () => {
    const live = [
      { id: "due", ruleId: "r-offline", deviceId: "a", state: "SNOOZED" as const, snoozedUntil: ago(1) },
      { id: "later", ruleId: "r-offline", deviceId: "b", state: "SNOOZED" as const, snoozedUntil: ago(-1) },
    ];
    const plan = planAlerts([offline7d], [device("a", "OFFLINE", 300), device("b", "OFFLINE", 300)], live, NOW);
    expect(plan).toEqual({ open: [], resolve: [], reopen: ["due"] });
  });

  it("a device that changes status between rules resolves one alert and opens the other", () => {
    const live = [{ id: "old", ruleId: "r-mdm", deviceId: "a", state: "OPEN" as const, snoozedUntil: null }];
    const plan = planAlerts([offline7d, macMdm], [device("a", "OFFLINE", 170)], live, NOW);
    expect(plan.resolve).toEqual(["old"]);
    expect(plan.open.map((o) => o.ruleId)).toEqual(["r-offline"]);
  });
});
