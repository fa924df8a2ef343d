// @vitest-environment node
import { describe, expect, it } from "vitest";
import type { TeamStatusSummary } from "./documents.ts";
import { teamDevicesHref, teamHealthRows } from "./teamHealth.ts";

const team = (name: string | null, enrolled: number, offline: number): TeamStatusSummary => ({
  team: name,
  total: enrolled + offline,
  counts: [
    { status: "OFFLINE", count: offline },
    { status: "ENROLLED", count: enrolled },
  ],
});

describe("teamHealthRows", () => {
  it("puts the least enrolled teams first, with every status counted in order", () => {
    const rows = teamHealthRows([team("Engineering", 90, 10), team("Mobile", 50, 50), team(null, 9, 1)]);
    expect(rows.map((r) => [r.label, r.enrolledShare])).toEqual([
      ["Mobile", 0.5],
      ["Engineering", 0.9],
      ["No team", 0.9],
    ]);
    expect(rows[0]?.counts.map((c) => c.status)).toEqual([
      "ENROLLED",
      "PARTIALLY_ENROLLED",
      "AGENT_INACTIVE",
      "MDM_PROFILE_MISSING",
      "OFFLINE",
      "UNENROLLED",
    ]);
    expect(rows[0]?.counts.find((c) => c.status === "OFFLINE")?.count).toBe(50);
    expect(rows[0]?.counts.find((c) => c.status === "AGENT_INACTIVE")?.count).toBe(0);
  });

  it("shows nothing for a fleet without teams, and an empty team as 0% enrolled", () => {
    expect(teamHealthRows([team(null, 10, 0)])).toEqual([]);
    const [empty] = teamHealthRows([team("Empty", 0, 0)]);
    expect(empty).toMatchObject({ total: 0, enrolledShare: 0 });
  });

  it("links a team's devices, and no team's, as the devices page reads them", () => {
    expect(teamDevicesHref("R&D / Lab")).toBe("/devices?team=R%26D+%2F+Lab");
    expect(teamDevicesHref(null, "OFFLINE")).toBe("/devices?noteam=1&status=OFFLINE");
  });
});
