import type { AlertSeverity, AlertState } from "./documents.ts";
import { SEVERITY_INFO, STATE_INFO } from "./present.ts";

/** A severity as a pill with a symbol and its word: never colour alone. */
export function SeverityBadge(props: { severity: AlertSeverity; class?: string }) {
  const info = () => SEVERITY_INFO[props.severity];
  return (
    <span class={`badge status-${info().tone} ${props.class ?? ""}`} data-severity={props.severity}>
      <span aria-hidden="true" class="badge-symbol">
        {info().symbol}
      </span>
      {info().label}
    </span>
  );
}

export function AlertStateBadge(props: { state: AlertState; class?: string; testid?: string }) {
  const info = () => STATE_INFO[props.state];
  return (
    <span
      class={`badge status-${info().tone} ${props.class ?? ""}`}
      data-state={props.state}
      data-testid={props.testid}
    >
      <span aria-hidden="true" class="badge-symbol">
        {info().symbol}
      </span>
      {info().label}
    </span>
  );
}
