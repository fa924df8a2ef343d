// @vitest-environment node
import { describe, expect, it } from "vitest";
import { formatRelative, formatUntil, plural } from "./format.ts";

const NOW = Date.parse("2026-12-05T23:52:00Z");
const at = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();

describe("formatRelative", () => {
  it("says how long ago something happened", () => {
    expect(formatRelative(at(-12_000), NOW)).toBe("12 s ago");
    expect(formatRelative(at(-3 * 60_000), NOW)).toBe("3 min ago");
    expect(formatRelative(at(-86_400_000), NOW)).toBe("1 day ago");
    expect(formatRelative(at(-2 * 86_400_000), NOW)).toBe("2 days ago");
    expect(formatRelative(null, NOW)).toBe("never");
  });

  it("reads something that just happened as just now, though the page clock is behind it", () => {
    // The page clock ticks every 15 s: a sync started a second after its last tick is "ahead" of it.
    expect(formatRelative(at(1_000), NOW)).toBe("just now");
    expect(formatRelative(at(2_500), NOW)).toBe("just now");
    expect(formatRelative(at(59_000), NOW)).toBe("just now");
    expect(formatRelative(at(0), NOW)).toBe("just now");
  });

  it("keeps times well ahead in the future", () => {
    expect(formatRelative(at(5 * 60_000), NOW)).toBe("in 5 min");
    expect(formatRelative(at(3 * 86_400_000), NOW)).toBe("in 3 days");
  });
});

describe("formatUntil", () => {
  it("counts down to a scheduled time, even the last seconds, then says it is due", () => {
    expect(formatUntil(NOW + 5 * 60_000, NOW)).toBe("in 5 min");
    expect(formatUntil(NOW + 30_000, NOW)).toBe("in 30 s");
    expect(formatUntil(NOW, NOW)).toBe("due now");
    expect(formatUntil(NOW - 10_000, NOW)).toBe("due now");
  });
});

describe("plural", () => {
  it("agrees the noun with the count", () => {
    expect(plural(1, "attempt")).toBe("1 attempt");
    expect(plural(0, "attempt")).toBe("0 attempts");
    expect(plural(3, "attempt")).toBe("3 attempts");
    expect(plural(1204, "device")).toBe("1,204 devices");
    expect(plural(2, "entry", "entries")).toBe("2 entries");
  });
});
