import { A } from "@solidjs/router";

/** The alerts section's two pages: the queue people work from, and what feeds it. */
export function AlertsNav() {
  return (
    <nav class="tabs" aria-label="Alerts">
      <A href="/alerts" end class="tab" activeClass="active">
        Triage queue
      </A>
      <A href="/alerts/rules" end class="tab" activeClass="active" data-testid="rules-link">
        Rules &amp; webhooks
      </A>
    </nav>
  );
}
