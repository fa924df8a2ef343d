import { ALERT_SEVERITIES, ALERT_STATES, type AlertFilter, type AlertSeverity, type AlertState } from "./documents.ts";

/** The queue's default view: everything not yet resolved. */
export const LIVE_STATES: readonly AlertState[] = ["OPEN", "ACKNOWLEDGED", "SNOOZED"];

export interface QueueView {
  states: AlertState[];
  severities: AlertSeverity[];
  ruleId: string | null;
}

function listParam<T extends string>(raw: string | undefined, allowed: readonly T[]): T[] {
  const values = (raw ?? "").split(",").filter((v): v is T => (allowed as readonly string[]).includes(v));
  // Kept in the canonical order, so the same choice is always the same URL and the same query.
  return allowed.filter((v) => values.includes(v));
}

/**
 * The view as the URL holds it (?state=OPEN,RESOLVED&severity=HIGH&rule=…). No state parameter
 * means the live states; "all" means every state, resolved included.
 */
export function viewFromParams(params: { state?: string; severity?: string; rule?: string }): QueueView {
  const states = params.state === "all" ? [...ALERT_STATES] : listParam(params.state, ALERT_STATES);
  return {
    states: states.length ? states : [...LIVE_STATES],
    severities: listParam(params.severity, ALERT_SEVERITIES),
    ruleId: params.rule?.trim() || null,
  };
}

/** The URL parameters for a view; the defaults are left out so the plain /alerts is the default view. */
export function paramsFromView(view: QueueView): { state?: string; severity?: string; rule?: string } {
  const states = ALERT_STATES.filter((s) => view.states.includes(s));
  const isLive = states.length === LIVE_STATES.length && LIVE_STATES.every((s) => states.includes(s));
  return {
    state: isLive || states.length === 0 ? undefined : states.length === ALERT_STATES.length ? "all" : states.join(","),
    severity: view.severities.length
      ? ALERT_SEVERITIES.filter((s) => view.severities.includes(s)).join(",")
      : undefined,
    rule: view.ruleId ?? undefined,
  };
}

export function filterOf(view: QueueView): AlertFilter {
  const filter: AlertFilter = { state: view.states };
  if (view.severities.length) filter.severity = view.severities;
  if (view.ruleId) filter.ruleId = view.ruleId;
  return filter;
}

/** Adds or removes one value of a multi-choice filter. */
export function toggle<T>(list: readonly T[], value: T): T[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}
