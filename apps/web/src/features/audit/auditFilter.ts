import type { AuditFilter } from "./documents.ts";

/**
 * The audit page's filters as they sit in the URL (`/audit?action=…&actor=…&from=2026-11-02`), so a
 * filtered view can be shared and reloaded. Dates are the date inputs' yyyy-mm-dd, in local time.
 */
export interface AuditFilterParams {
  action: string;
  actor: string;
  target: string;
  /** First day shown, yyyy-mm-dd. */
  from: string;
  /** Last day shown (inclusive), yyyy-mm-dd. */
  to: string;
}

export const AUDIT_FILTER_KEYS: readonly (keyof AuditFilterParams)[] = ["action", "actor", "target", "from", "to"];

type SearchParams = Readonly<Partial<Record<string, string | string[]>>>;

function single(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

/** The filters in a URL's search params; a date that is not a real yyyy-mm-dd day is dropped. */
export function auditParamsFrom(search: SearchParams): AuditFilterParams {
  const date = (value: string) => (localDayStart(value) ? value : "");
  return {
    action: single(search.action).trim(),
    actor: single(search.actor).trim(),
    target: single(search.target).trim(),
    from: date(single(search.from)),
    to: date(single(search.to)),
  };
}

export function hasAuditFilter(params: AuditFilterParams): boolean {
  return AUDIT_FILTER_KEYS.some((key) => params[key] !== "");
}

/** Local midnight at the start of a yyyy-mm-dd day, or null for anything else (e.g. 2026-02-31). */
export function localDayStart(date: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]) - 1, Number(match[3])];
  const start = new Date(year, month, day);
  // Date rolls an impossible day over into the next month rather than failing.
  return start.getFullYear() === year && start.getMonth() === month && start.getDate() === day ? start : null;
}

/**
 * The server's filter for the URL's filters. `to` is inclusive, so `until` (exclusive) is the next
 * local midnight: built from the calendar day, not +24 h, which is wrong on a daylight-saving day.
 */
export function auditFilterFrom(params: AuditFilterParams): AuditFilter | null {
  const filter: AuditFilter = {};
  if (params.action) filter.action = [params.action];
  if (params.actor) filter.actor = params.actor;
  if (params.target) filter.target = params.target;
  const since = localDayStart(params.from);
  if (since) filter.since = since.toISOString();
  const lastDay = localDayStart(params.to);
  if (lastDay) {
    filter.until = new Date(lastDay.getFullYear(), lastDay.getMonth(), lastDay.getDate() + 1).toISOString();
  }
  return Object.keys(filter).length ? filter : null;
}
