// @vitest-environment node
import { describe, expect, it } from "vitest";
import { formatGracePeriod } from "./present.ts";

describe("formatGracePeriod", () => {
  it("reads whole days as days and anything else in hours", () => {
    expect(formatGracePeriod(0)).toBe("No grace period");
    expect(formatGracePeriod(1)).toBe("1 hour");
    expect(formatGracePeriod(12)).toBe("12 hours");
    expect(formatGracePeriod(24)).toBe("1 day");
    expect(formatGracePeriod(36)).toBe("36 hours");
    expect(formatGracePeriod(168)).toBe("7 days");
    expect(formatGracePeriod(8760)).toBe("365 days");
  });
});
