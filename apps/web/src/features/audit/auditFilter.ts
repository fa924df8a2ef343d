import type { AuditFilter } from "./documents.ts";

/**
 * The audit page's filters as they sit in the URL (`/audit?action=…&actor=…&from=2026-11-02`), so a
 * filtered view can be shared and reloaded. Dates are the date inputs' yyyy-mm-dd, in local time.
 */
export interface AuditFilterParams {
  /** Actions, comma-separated (`action=device.unenroll,settings.update`): any of them. */
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
  const actions = parseActions(params.action);
  if (actions.length) filter.action = actions;
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

/** The actions of the URL's comma-separated list, without blanks or repeats. */
export function parseActions(param: string): string[] {
  return [
    ...new Set(
      param
        .split(",")
        .map((a) => a.trim())
        .filter(Boolean),
    ),
  ];
}

/** The URL parameter for a list of actions; undefined (no parameter) for none. */
export function actionsParam(actions: readonly string[]): string | undefined {
  return actions.length ? [...actions].sort().join(",") : undefined;
}

/** Actions grouped by what they act on (the part before the first dot: device, alertRule...). */
export function actionGroups(actions: readonly string[]): { subject: string; actions: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const action of [...new Set(actions)].sort()) {
    const subject = action.split(".")[0] ?? action;
    groups.set(subject, [...(groups.get(subject) ?? []), action]);
  }
  return [...groups].map(([subject, list]) => ({ subject, actions: list }));
}

/** What the closed action picker says: "All actions", the one chosen, or how many. */
export function actionsSummary(actions: readonly string[]): string {
  if (actions.length === 0) return "All actions";
  if (actions.length === 1) return actions[0] ?? "";
  return `${actions.length} actions`;
}
