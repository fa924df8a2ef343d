// @vitest-environment node
import { describe, expect, it } from "vitest";
import { interruptibleWait, MAX_RETRY_DELAY_MS, retryDelay } from "./backoff.ts";

describe("retryDelay", () => {
  it("doubles from half a second, with jitter in the upper half of each step, capped at 10 s", () => {
    expect(retryDelay(0, () => 0)).toBe(250);
    expect(retryDelay(0, () => 1)).toBe(500);
    expect(retryDelay(1, () => 0)).toBe(500);
    expect(retryDelay(3, () => 1)).toBe(4000);
    for (let retries = 0; retries < 50; retries++) {
      const d = retryDelay(retries);
      expect(d).toBeGreaterThanOrEqual(250);
      expect(d).toBeLessThanOrEqual(MAX_RETRY_DELAY_MS);
    }
    expect(retryDelay(20, () => 0)).toBe(MAX_RETRY_DELAY_MS / 2);
  });

  it("can be cut short", async () => {
    const wake = new EventTarget();
    const started = Date.now();
    const waiting = interruptibleWait(60_000, wake);
    wake.dispatchEvent(new Event("wake"));
    await waiting;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
