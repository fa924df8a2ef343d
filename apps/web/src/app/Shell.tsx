import { A, type RouteSectionProps } from "@solidjs/router";
import { Show } from "solid-js";
import { ApnsBanner } from "../components/ApnsBanner.tsx";
import { ConnectionIndicator } from "../components/ConnectionIndicator.tsx";
import { useApp } from "./context.ts";

const NAV = [
  { href: "/", label: "Overview", end: true },
  { href: "/devices", label: "Devices", end: false },
  // Also active on /alerts/rules: rules and webhooks are part of the alerts section.
  { href: "/alerts", label: "Alerts", end: false },
  { href: "/settings", label: "Settings", end: true },
  { href: "/outbox", label: "Outbox", end: true },
  { href: "/audit", label: "Audit log", end: true },
  { href: "/tokens", label: "API tokens", end: true },
];

/** The number of open alerts next to "Alerts": what still needs someone, kept live. */
function AlertCount(props: { open: number; high: number }) {
  const label = () =>
    `${props.open} open ${props.open === 1 ? "alert" : "alerts"}${props.high > 0 ? `, ${props.high} high severity` : ""}`;
  return (
    <span
      class="nav-count"
      classList={{ "has-open": props.open > 0, "has-high": props.high > 0 }}
      data-testid="nav-alert-count"
      data-count={props.open}
      title={label()}
    >
      <span aria-hidden="true">{props.open}</span>
      <span class="sr-only">{label()}</span>
    </span>
  );
}

/** The frame of every page: skip link, navigation, live connection state, role, sign-out, APNs banner. */
export function Shell(props: RouteSectionProps) {
  const { session, live, data, now } = useApp();
  return (
    <>
      <a href="#main" class="skip-link">
        Skip to content
      </a>
      <header class="app-header">
        <a href="/" class="brand">
          <span class="brand-mark" aria-hidden="true">
            ✓
          </span>
          Enrollwatch
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li>
                <A href={item.href} end={item.end} class="nav-link" activeClass="active">
                  {item.label}
                  <Show when={item.href === "/alerts" && data.alertSummary()}>
                    {(summary) => <AlertCount open={summary().open} high={summary().openHigh} />}
                  </Show>
                </A>
              </li>
            ))}
          </ul>
        </nav>
        <div class="header-end">
          <ConnectionIndicator state={live.state()} onRetry={live.retryNow} />
          <span class="role" data-testid="role">
            {session.role() === "ADMIN" ? "Admin" : session.role() === "VIEWER" ? "Viewer (read-only)" : "…"}
          </span>
          <button type="button" class="button small" onClick={() => session.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <ApnsBanner
        expiresAt={data.settings()?.apnsCertificateExpiresAt}
        now={now()}
        isAdmin={session.role() === "ADMIN"}
      />
      <main id="main" tabindex="-1">
        {props.children}
      </main>
    </>
  );
}
