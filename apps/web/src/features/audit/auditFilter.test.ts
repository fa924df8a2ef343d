// @vitest-environment node
import { describe, expect, it } from "vitest";
import {
  actionGroups,
  actionsParam,
  actionsSummary,
  auditFilterFrom,
  auditParamsFrom,
  hasAuditFilter,
  localDayStart,
  parseActions,
} from "./auditFilter.ts";

const none = { action: "", actor: "", target: "", from: "", to: "" };

describe("auditParamsFrom", () => {
  it("reads the filters from the URL, trimmed, the first of repeated keys", () => {
    expect(
      auditParamsFrom({
        action: ["device.unenroll", "settings.update"],
        actor: " ops ",
        target: "t-1",
        from: "2026-11-02",
      }),
    ).toEqual({ action: "device.unenroll", actor: "ops", target: "t-1", from: "2026-11-02", to: "" });
  });

  it("drops a date that is not a real day", () => {
    expect(auditParamsFrom({ from: "2026-02-31", to: "yesterday" })).toEqual(none);
    expect(hasAuditFilter(auditParamsFrom({}))).toBe(false);
    expect(hasAuditFilter({ ...none, to: "2026-11-02" })).toBe(true);
  });
});

describe("localDayStart", () => {
  it("is local midnight of the day", () => {
    expect(localDayStart("2026-03-29")).toEqual(new Date(2026, 2, 29));
    expect(localDayStart("2024-02-29")).toEqual(new Date(2024, 1, 29));
    expect(localDayStart("2026-02-29")).toBeNull();
    expect(localDayStart("2026-3-9")).toBeNull();
    expect(localDayStart("")).toBeNull();
  });
});

describe("auditFilterFrom", () => {
  it("is null with no filter, so the request carries none", () => {
    expect(auditFilterFrom(none)).toBeNull();
  });

  it("passes action, actor and target through", () => {
    expect(auditFilterFrom({ ...none, action: "device.unenroll", actor: "ops", target: "RGV2aWNlOjE=" })).toEqual({
      action: ["device.unenroll"],
      actor: "ops",
      target: "RGV2aWNlOjE=",
    });
  });

  it("reads the dates in local time, the last day included", () => {
    expect(auditFilterFrom({ ...none, from: "2026-11-02", to: "2026-11-03" })).toEqual({
      since: new Date(2026, 10, 2).toISOString(),
      until: new Date(2026, 10, 4).toISOString(),
    });
    // One day: from its start to the next day's start.
    expect(auditFilterFrom({ ...none, from: "2026-12-31", to: "2026-12-31" })).toEqual({
      since: new Date(2026, 11, 31).toISOString(),
      until: new Date(2027, 0, 1).toISOString(),
    });
  });

  it("ends a day at the next local midnight, even when the clocks change that day", () => {
    const previous = process.env.TZ;
    process.env.TZ = "Europe/Berlin";
    try {
      // 29 March 2026 has 23 hours in Berlin: it ends at 22:00 UTC, not 23:00.
      expect(auditFilterFrom({ ...none, from: "2026-03-29", to: "2026-03-29" })).toEqual({
        since: "2026-03-28T23:00:00.000Z",
        until: "2026-03-29T22:00:00.000Z",
      });
    } finally {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    }
  });
});

describe("several actions", () => {
  it("travel in the URL as one sorted comma-separated list, blanks and repeats dropped", () => {
    expect(parseActions("settings.update, device.unenroll,,device.unenroll")).toEqual([
      "settings.update",
      "device.unenroll",
    ]);
    expect(actionsParam(["settings.update", "device.unenroll"])).toBe("device.unenroll,settings.update");
    expect(actionsParam([])).toBeUndefined();
    expect(auditFilterFrom({ ...none, action: "device.unenroll,settings.update" })).toEqual({
      action: ["device.unenroll", "settings.update"],
    });
  });

  it("are grouped by what they act on, and summarised when the picker is closed", () => {
    expect(actionGroups(["settings.update", "device.unenroll", "device.sendRemediation", "device.unenroll"])).toEqual([
      { subject: "device", actions: ["device.sendRemediation", "device.unenroll"] },
      { subject: "settings", actions: ["settings.update"] },
    ]);
    expect([actionsSummary([]), actionsSummary(["device.unenroll"]), actionsSummary(["a.b", "c.d"])]).toEqual([
      "All actions",
      "device.unenroll",
      "2 actions",
    ]);
  });
});
