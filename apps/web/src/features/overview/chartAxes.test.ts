// @vitest-environment node
import { describe, expect, it } from "vitest";
import { COUNT_INCRS, timeTickLabels } from "./chartAxes.ts";

/** Seconds since the epoch of a local time, as uPlot hands ticks over. */
const local = (y: number, mo: number, d: number, h: number, mi: number, s = 0) =>
  new Date(y, mo - 1, d, h, mi, s).getTime() / 1000;

describe("timeTickLabels", () => {
  it("writes 24-hour times in en-GB, with the date under the first tick and at midnight", () => {
    const ticks = [local(2026, 12, 5, 23, 40), local(2026, 12, 5, 23, 50), local(2026, 12, 6, 0, 0)];
    expect(timeTickLabels(ticks, 600)).toEqual(["23:40\n5 Dec", "23:50", "00:00\n6 Dec"]);
  });

  it("shows seconds under a minute apart and only the date a day or more apart", () => {
    expect(timeTickLabels([local(2026, 12, 5, 23, 40, 15), local(2026, 12, 5, 23, 40, 45)], 30)).toEqual([
      "23:40:15\n5 Dec",
      "23:40:45",
    ]);
    expect(timeTickLabels([local(2026, 12, 5, 0, 0), local(2026, 12, 6, 0, 0)], 86_400)).toEqual(["5 Dec", "6 Dec"]);
  });

  it("never says am or pm", () => {
    const labels = timeTickLabels([local(2026, 12, 5, 13, 5), local(2026, 12, 5, 23, 55)], 3_600);
    expect(labels.join(" ")).not.toMatch(/am|pm/i);
    expect(labels).toEqual(["13:05\n5 Dec", "23:55"]);
  });
});

describe("COUNT_INCRS", () => {
  it("steps counts by whole numbers only, from 1 upwards", () => {
    expect(COUNT_INCRS.slice(0, 6)).toEqual([1, 2, 5, 10, 20, 50]);
    expect(COUNT_INCRS.every((n) => Number.isInteger(n))).toBe(true);
    expect(COUNT_INCRS.at(-1)).toBeGreaterThanOrEqual(10_000_000);
  });
});
