/** Summaries and the printed table: what every scenario reports, in one format. */

export interface Summary {
  min: number;
  median: number;
  max: number;
  values: number[];
}

export function summarize(values: number[]): Summary {
  if (values.length === 0) throw new Error("summarize: no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { min: sorted[0] ?? 0, median, max: sorted[sorted.length - 1] ?? 0, values };
}

export function median(values: number[]): number {
  return summarize(values).median;
}

/** Latency percentiles (nearest rank) of one series of measurements, in the unit given. */
export interface Percentiles {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0)
    return { n: 0, mean: Number.NaN, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n: sorted.length,
    mean: sum / sorted.length,
    p50: rank(0.5),
    p95: rank(0.95),
    p99: rank(0.99),
    max: sorted[sorted.length - 1] ?? 0,
  };
}

export type Verdict = "ok" | "MISSED" | "info";

/** One line of the result table; the strings are already formatted. */
export interface FigureRow {
  figure: string;
  target: string;
  measured: string;
  baseline: string;
  ratio: string;
  verdict: Verdict;
}

/** The verdict of a figure with a target: met or not. */
export function verdict(met: boolean): "ok" | "MISSED" {
  return met ? "ok" : "MISSED";
}

/** The figures that have a target, with their verdicts: what the JSON file records per scenario. */
export function verdictsOf(figures: FigureRow[]): Record<string, Verdict> {
  return Object.fromEntries(figures.filter((f) => f.verdict !== "info").map((f) => [f.figure, f.verdict]));
}

/** Milliseconds as a table shows them. */
export function formatMs(value: number): string {
  return `${formatNumber(value)} ms`;
}

/** A printed table: a title, column headers, rows of already formatted cells. */
export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
}

export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "median (min–max)", or just the value when every run measured the same (or there is one). */
export function formatSummary(s: Summary, digits = 0): string {
  const mid = formatNumber(s.median, digits);
  if (formatNumber(s.min, digits) === formatNumber(s.max, digits)) return mid;
  return `${mid} (${formatNumber(s.min, digits)}–${formatNumber(s.max, digits)})`;
}

/** The figures table every scenario prints first: one row per figure, its target and verdict. */
export function figureTable(title: string, rows: FigureRow[]): Table {
  return {
    title,
    columns: ["figure", "target", "measured: median (min–max)", "baseline", "ratio", "verdict"],
    rows: rows.map((r) => [r.figure, r.target, r.measured, r.baseline, r.ratio, r.verdict]),
  };
}

export function renderTable(table: Table): string {
  const widths = table.columns.map((header, i) =>
    Math.max(header.length, ...table.rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: string[]) => `| ${widths.map((w, i) => (cells[i] ?? "").padEnd(w)).join(" | ")} |`;
  const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  return [table.title, line(table.columns), rule, ...table.rows.map(line)].join("\n");
}
