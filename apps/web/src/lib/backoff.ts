/** The longest a client waits between two reconnection attempts. */
export const MAX_RETRY_DELAY_MS = 10_000;
const FIRST_STEP_MS = 500;

/**
 * Exponential backoff with "equal jitter": the step doubles from 500 ms up to the cap, and the wait
 * is a random point in its upper half, so a restarted server is not hit by every dashboard at once
 * while no client waits needlessly long.
 */
export function retryDelay(retries: number, random: () => number = Math.random): number {
  const step = Math.min(MAX_RETRY_DELAY_MS, FIRST_STEP_MS * 2 ** Math.max(0, retries));
  return Math.round(step / 2 + (random() * step) / 2);
}

/**
 * Waits `ms`, or less if `wake` fires first (the user clicked "Retry now", or the browser came back
 * online): a reconnect should not sit out a long backoff once there is a reason to try again.
 */
export function interruptibleWait(ms: number, wake: EventTarget): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      wake.removeEventListener("wake", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    wake.addEventListener("wake", done);
  });
}
