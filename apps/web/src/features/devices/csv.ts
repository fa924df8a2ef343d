import type { DeviceRow } from "./documents.ts";

export const CSV_COLUMNS = [
  "name",
  "serial",
  "owner_email",
  "owner_name",
  "platform",
  "os_version",
  "team",
  "status",
  "status_since",
  "last_seen_at",
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled. A
 * value starting with = + - @ or a tab/CR is prefixed with ' so that a spreadsheet opening the export
 * never evaluates a device name as a formula (OWASP "CSV injection").
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: readonly (string | number | null | undefined)[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

export function deviceCsvRow(d: DeviceRow): string {
  return csvRow([
    d.name,
    d.serial,
    d.owner?.email,
    d.owner?.name,
    d.platform,
    d.osVersion,
    d.team,
    d.status,
    d.statusSince,
    d.lastSeenAt,
  ]);
}

export const CSV_HEADER = csvRow(CSV_COLUMNS);

/** A whole export: header, then one CRLF-terminated line per device. */
export function devicesToCsv(rows: readonly DeviceRow[]): string {
  return CSV_HEADER + rows.map(deviceCsvRow).join("");
}

export interface ExportProgress {
  rows: number;
  total: number | null;
}

/**
 * Pages through the devices connection with the current filter and order and returns the CSV
 * lines (a BOM first, so spreadsheet programs read UTF-8). Stops early when `signal` aborts.
 */
export async function collectCsv(
  fetchPage: (
    after: string | null,
    withTotal: boolean,
  ) => Promise<{ rows: DeviceRow[]; endCursor: string | null; hasNextPage: boolean; total?: number }>,
  onProgress: (progress: ExportProgress) => void,
  signal?: AbortSignal,
): Promise<string[]> {
  const parts = ["\uFEFF", CSV_HEADER];
  let after: string | null = null;
  let total: number | null = null;
  let count = 0;
  for (;;) {
    if (signal?.aborted) throw new DOMException("Export cancelled", "AbortError");
    const page = await fetchPage(after, total === null);
    if (page.total !== undefined) total = page.total;
    for (const row of page.rows) parts.push(deviceCsvRow(row));
    count += page.rows.length;
    onProgress({ rows: count, total });
    if (!page.hasNextPage || page.endCursor === null) return parts;
    after = page.endCursor;
  }
}

export function downloadCsv(parts: string[], filename: string): void {
  const url = URL.createObjectURL(new Blob(parts, { type: "text/csv;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  // Give the download a moment to start before the blob goes away.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
