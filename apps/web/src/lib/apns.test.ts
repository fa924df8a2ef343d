// @vitest-environment node
import { describe, expect, it } from "vitest";
import { apnsWarning } from "./apns.ts";

const now = Date.parse("2026-11-25T10:00:00Z");
const inDays = (d: number) => new Date(now + d * 86_400_000).toISOString();

describe("apnsWarning", () => {
  it("warns within 30 days of expiry and after it, not before or without a date", () => {
    expect(apnsWarning(null, now)).toBeNull();
    expect(apnsWarning(inDays(31), now)).toBeNull();
    expect(apnsWarning(inDays(30), now)).toEqual({ expired: false, days: 30 });
    expect(apnsWarning(inDays(0.5), now)).toEqual({ expired: false, days: 1 });
    expect(apnsWarning(inDays(-3), now)).toEqual({ expired: true, days: 3 });
  });
});
