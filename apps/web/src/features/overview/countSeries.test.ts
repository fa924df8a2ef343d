// @vitest-environment node
import { describe, expect, it } from "vitest";
import { CountSeries } from "./countSeries.ts";

const at = (minute: number) => new Date(Date.UTC(2026, 10, 25, 9, minute)).toISOString();

describe("CountSeries", () => {
  it("rebuilds exact counts from the events and detects gaps and duplicates", () => {
    const s = new CountSeries(10, 60_000);
    expect(s.apply({ seq: "1", at: at(0), from: null, to: "ENROLLED" })).toBe("applied");
    expect(s.apply({ seq: "2", at: at(0), from: null, to: "OFFLINE" })).toBe("applied");
    expect(s.apply({ seq: "3", at: at(1), from: "ENROLLED", to: "AGENT_INACTIVE" })).toBe("applied");
    expect(s.apply({ seq: "3", at: at(1), from: "ENROLLED", to: "AGENT_INACTIVE" })).toBe("duplicate");
    expect(s.apply({ seq: "5", at: at(2), from: "OFFLINE", to: "ENROLLED" })).toBe("gap");
    expect(s.counts()).toMatchObject({ ENROLLED: 0, OFFLINE: 1, AGENT_INACTIVE: 1 });
    expect(s.lastSeq).toBe("3");
    const [xs, enrolled] = s.toColumns(Date.parse(at(5)));
    // zero start, two buckets, then "now"
    expect(xs).toHaveLength(4);
    expect(enrolled).toEqual([0, 1, 0, 0]);
    expect(xs.every((x, i) => i === 0 || x > (xs[i - 1] ?? 0))).toBe(true);
  });

  it("stays bounded: buckets merge as time goes on, keeping the latest counts", () => {
    const s = new CountSeries(8, 60_000);
    let seq = 0;
    for (let minute = 0; minute < 500; minute++) {
      s.apply({ seq: String(++seq), at: at(minute), from: null, to: minute % 2 ? "OFFLINE" : "ENROLLED" });
    }
    expect(s.size).toBeLessThanOrEqual(8);
    expect(s.bucketWidthMs).toBeGreaterThan(60_000);
    expect(s.counts()).toMatchObject({ ENROLLED: 250, OFFLINE: 250 });
    const columns = s.toColumns(Date.parse(at(600)));
    const enrolled = columns[1] ?? [];
    expect(enrolled.at(-1)).toBe(250);
  });
});
