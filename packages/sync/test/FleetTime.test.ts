import { describe, expect, it } from "vitest";
import { FleetTimeError, isMdmOn, parseFleetTime } from "../src/engine/index.ts";

describe("parseFleetTime", () => {
  it.each([
    ["2025-06-02T08:09:41Z", "2025-06-02T08:09:41.000Z"],
    ["2025-06-02T08:09:41.5Z", "2025-06-02T08:09:41.500Z"],
    // Go writes nanoseconds; milliseconds are all a Date keeps.
    ["2025-06-02T08:09:41.123456789Z", "2025-06-02T08:09:41.123Z"],
    ["2025-06-02T10:09:41+02:00", "2025-06-02T08:09:41.000Z"],
    ["2025-06-02T03:09:41-05:00", "2025-06-02T08:09:41.000Z"],
    ["2025-06-02 08:09:41Z", "2025-06-02T08:09:41.000Z"],
    ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"],
    ["0002-01-01T00:00:00Z", "0002-01-01T00:00:00.000Z"],
    ["0099-12-31T23:59:59Z", "0099-12-31T23:59:59.000Z"],
    ["1969-12-31T23:59:59Z", "1969-12-31T23:59:59.000Z"],
    ["9999-12-31T23:59:59Z", "9999-12-31T23:59:59.000Z"],
  ])("reads %s as %s", (value, expected) => {
    expect(parseFleetTime(value)?.toISOString()).toBe(expected);
  });

  it.each([
    ["null", null],
    ["undefined", undefined],
    ["the empty string", ""],
    ["Fleet's zero time", "0001-01-01T00:00:00Z"],
    ["the zero time with a fraction", "0001-01-01T00:00:00.000000Z"],
    ["the zero time with an offset", "0001-01-01T00:00:00+00:00"],
    ["any other year-1 time", "0001-06-15T12:30:00Z"],
  ])("treats %s as no value", (_label, value) => {
    expect(parseFleetTime(value)).toBeNull();
  });

  it.each([
    "not a date",
    "2025-06-02",
    "2025-06-02T08:09:41",
    "June 2, 2025 08:09:41 UTC",
    "2025-13-01T00:00:00Z",
    "2025-02-30T00:00:00Z",
    "2025-02-29T00:00:00Z",
    "2025-06-02T24:00:00Z",
    "2025-06-02T08:60:00Z",
    "2025-06-02T08:09:60Z",
    " 2025-06-02T08:09:41Z",
    "2025-06-0xT08:09:41Z",
    "2025-06-02T08:09:41z",
    "2025-06-02T08-09:41Z",
    "+025-06-02T08:09:41Z",
    "2025-00-10T08:09:41Z",
    "2025-06-00T08:09:41Z",
  ])("throws a FleetTimeError for %j", (value) => {
    expect(() => parseFleetTime(value)).toThrow(FleetTimeError);
    try {
      parseFleetTime(value);
    } catch (error) {
      expect(error).toBeInstanceOf(FleetTimeError);
      expect((error as FleetTimeError).value).toBe(value);
      expect((error as FleetTimeError).message).toContain(JSON.stringify(value));
    }
  });
});

describe("isMdmOn", () => {
  it.each([
    ["On (manual)", true],
    ["On (automatic)", true],
    ["On (personal)", true],
    ["On (manual - personal)", true],
    ["On (company-owned)", true],
    ["On", true],
    [" On (manual) ", true],
    ["Pending", false],
    ["Off", false],
    ["", false],
    ["Online", false],
    ["on (manual)", false],
    [null, false],
    [undefined, false],
  ])("%j → %s", (enrollmentStatus, expected) => {
    expect(isMdmOn(enrollmentStatus)).toBe(expected);
  });
});
