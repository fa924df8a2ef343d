// @vitest-environment node
import { describe, expect, it } from "vitest";
import { filterOf, paramsFromView, viewFromParams } from "./queue.ts";

describe("the queue's view in the URL", () => {
  it("defaults to the live states and every severity", () => {
    expect(viewFromParams({})).toEqual({
      states: ["OPEN", "ACKNOWLEDGED", "SNOOZED"],
      severities: [],
      ruleId: null,
    });
    expect(paramsFromView(viewFromParams({}))).toEqual({ state: undefined, severity: undefined, rule: undefined });
  });

  it("reads states and severities in a canonical order and drops unknown values", () => {
    const view = viewFromParams({ state: "RESOLVED,bogus,OPEN", severity: "LOW,HIGH", rule: "r1" });
    expect(view).toEqual({ states: ["OPEN", "RESOLVED"], severities: ["HIGH", "LOW"], ruleId: "r1" });
    expect(paramsFromView(view)).toEqual({ state: "OPEN,RESOLVED", severity: "HIGH,LOW", rule: "r1" });
  });

  it("round-trips every state as 'all'", () => {
    const all = viewFromParams({ state: "all" });
    expect(all.states).toEqual(["OPEN", "ACKNOWLEDGED", "SNOOZED", "RESOLVED"]);
    expect(paramsFromView(all).state).toBe("all");
  });

  it("always sends a state filter: the server's default includes resolved alerts", () => {
    expect(filterOf(viewFromParams({}))).toEqual({ state: ["OPEN", "ACKNOWLEDGED", "SNOOZED"] });
    expect(filterOf(viewFromParams({ severity: "HIGH", rule: "r1" }))).toEqual({
      state: ["OPEN", "ACKNOWLEDGED", "SNOOZED"],
      severity: ["HIGH"],
      ruleId: "r1",
    });
  });
});
