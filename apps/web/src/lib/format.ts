/** Formatting shared by every page; one locale-aware formatter each, built once. */
const integer = new Intl.NumberFormat("en-US");
const percent = new Intl.NumberFormat("en-US", {
  style: "percent",
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});
const dateTime = new Intl.DateTimeFormat("en-GB", {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});
const time = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });

export function formatCount(n: number): string {
  return integer.format(n);
}

/** A share of a total; 0 when the total is 0 rather than NaN. */
export function share(count: number, total: number): number {
  return total > 0 ? count / total : 0;
}

export function formatShare(count: number, total: number): string {
  return percent.format(share(count, total));
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "—" : dateTime.format(d);
}

export function formatTime(iso: string | number | Date): string {
  return time.format(new Date(iso));
}

/**
 * The page clock ticks every 15 s and the server's clock is not the browser's, so something that has
 * just happened can look a few seconds ahead of "now". Up to this far ahead reads as "just now".
 */
export const NEAR_FUTURE_MS = 60_000;

const RELATIVE_UNITS: [number, string][] = [
  [86_400_000, "day"],
  [3_600_000, "h"],
  [60_000, "min"],
  [1000, "s"],
];

/** "12 min", "2 days": the largest unit that fits, rounded down; undefined under a second. */
function span(ms: number): string | undefined {
  for (const [size, unit] of RELATIVE_UNITS) {
    if (ms >= size) {
      const n = Math.floor(ms / size);
      return unit === "day" ? plural(n, "day") : `${n} ${unit}`;
    }
  }
  return undefined;
}

/**
 * When something happened: "3 min ago", "2 days ago"; coarse on purpose, for scanning. A time up to
 * NEAR_FUTURE_MS ahead is clock skew, not the future ("just now"); a time further ahead (a snooze, a
 * deadline) reads "in 5 min". For a time that is expected to come, use formatUntil.
 */
export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return "never";
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return "—";
  const diff = t - now;
  if (diff > 0 && diff <= NEAR_FUTURE_MS) return "just now";
  const text = span(Math.abs(diff));
  if (!text) return "just now";
  return diff < 0 ? `${text} ago` : `in ${text}`;
}

/** When something scheduled is due: "in 30 s", "in 5 min", or "due now" once its time has come. */
export function formatUntil(at: string | number | Date, now: number = Date.now()): string {
  const t = new Date(at).getTime();
  if (Number.isNaN(t)) return "—";
  const text = t > now ? span(t - now) : undefined;
  return text ? `in ${text}` : "due now";
}

/** "1 attempt", "3 attempts", "1,204 devices": a count with its noun agreeing. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${integer.format(n)} ${n === 1 ? one : many}`;
}

export function signed(n: number): string {
  return n > 0 ? `+${integer.format(n)}` : n < 0 ? `−${integer.format(-n)}` : "±0";
}
