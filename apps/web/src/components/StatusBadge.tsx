import { type EnrollmentStatus, STATUS_INFO } from "../lib/status.ts";

/** A status as a pill with a symbol and its words: never colour alone. */
export function StatusBadge(props: { status: EnrollmentStatus; class?: string }) {
  const info = () => STATUS_INFO[props.status];
  return (
    <span class={`badge status-${info().tone} ${props.class ?? ""}`} data-status={props.status}>
      <span aria-hidden="true" class="badge-symbol">
        {info().symbol}
      </span>
      {info().label}
    </span>
  );
}
