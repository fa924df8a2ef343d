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

/** "3 min ago", "in 12 min", "2 days ago": coarse on purpose, for scanning. */
export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return "never";
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return "—";
  const diff = t - now;
  const abs = Math.abs(diff);
  const units: [number, string][] = [
    [86_400_000, "day"],
    [3_600_000, "h"],
    [60_000, "min"],
    [1000, "s"],
  ];
  for (const [size, unit] of units) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      const label = unit === "day" ? (n === 1 ? "day" : "days") : unit;
      return diff < 0 ? `${n} ${label} ago` : `in ${n} ${label}`;
    }
  }
  return "just now";
}

export function signed(n: number): string {
  return n > 0 ? `+${integer.format(n)}` : n < 0 ? `−${integer.format(-n)}` : "±0";
}
