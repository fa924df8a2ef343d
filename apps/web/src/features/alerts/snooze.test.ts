// @vitest-environment node
import { describe, expect, it } from "vitest";
import { localDate, snoozeUntil } from "./snooze.ts";

// Local time on purpose: a chosen date means 09:00 where the admin is.
const now = new Date(2026, 2, 10, 15, 30);

describe("snoozeUntil", () => {
  it("adds whole days to now for the presets", () => {
    expect(snoozeUntil({ kind: "days", days: 1 }, now)).toEqual({
      ok: true,
      until: new Date(now.getTime() + 86_400_000),
    });
    const week = snoozeUntil({ kind: "days", days: 7 }, now);
    expect(week.ok && week.until.getTime() - now.getTime()).toBe(7 * 86_400_000);
  });

  it("reads a date as the start of that working day, local time", () => {
    expect(snoozeUntil({ kind: "date", date: "2026-03-12" }, now)).toEqual({
      ok: true,
      until: new Date(2026, 2, 12, 9, 0),
    });
  });

  it("refuses a date that is not in the future, or more than a year ahead, as the server would", () => {
    expect(snoozeUntil({ kind: "date", date: "2026-03-10" }, now)).toEqual({
      ok: false,
      message: "The date must be in the future.",
    });
    expect(snoozeUntil({ kind: "date", date: "2027-06-01" }, now).ok).toBe(false);
    expect(snoozeUntil({ kind: "date", date: "" }, now)).toEqual({ ok: false, message: "Choose a date." });
  });

  it("formats local dates for the date input", () => {
    expect(localDate(new Date(2026, 0, 5, 23, 59))).toBe("2026-01-05");
  });
});
