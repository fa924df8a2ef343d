import { Route, Router } from "@solidjs/router";
import { Provider as UrqlProvider } from "@urql/solid";
import { createSignal, lazy, onCleanup, Show } from "solid-js";
import { SignIn } from "../features/auth/SignIn.tsx";
import { TransitionsQuery } from "../features/overview/documents.ts";
import { createHistory } from "../features/overview/history.ts";
import OverviewPage from "../features/overview/OverviewPage.tsx";
import { createRecentEvents } from "../features/overview/recent.ts";
import { createLiveConnection } from "../lib/live.ts";
import { createSession, detectRole, type Session } from "../lib/session.ts";
import { AppContext } from "./context.ts";
import { createLiveData } from "./liveData.ts";
import { Shell } from "./Shell.tsx";

// The overview is the landing page and ships in the main bundle; the rest loads on first visit.
const DevicesPage = lazy(() => import("../features/devices/DevicesPage.tsx"));
const DevicePage = lazy(() => import("../features/device/DevicePage.tsx"));
const SettingsPage = lazy(() => import("../features/settings/SettingsPage.tsx"));
const OutboxPage = lazy(() => import("../features/outbox/OutboxPage.tsx"));
const AuditPage = lazy(() => import("../features/audit/AuditPage.tsx"));
const TokensPage = lazy(() => import("../features/tokens/TokensPage.tsx"));
const AlertsPage = lazy(() => import("../features/alerts/AlertsPage.tsx"));
const AlertRulesPage = lazy(() => import("../features/alerts/RulesPage.tsx"));

function NotFound() {
  return (
    <div class="page">
      <h1>Not found</h1>
      <p>
        There is no page here. <a href="/">Back to the overview</a>.
      </p>
    </div>
  );
}

/** Everything that exists while signed in: one live connection, its data, the router. */
function SignedIn(props: { token: string; session: Session }) {
  const { session } = props;
  const live = createLiveConnection({
    token: props.token,
    onUnauthorized: () => session.signOut("Your token is no longer valid (revoked?). Sign in again."),
  });
  const data = createLiveData(live.urql, live.events);
  const history = createHistory(async (afterSeq, first) => {
    const result = await live.urql.query(TransitionsQuery, { afterSeq, first }).toPromise();
    if (result.error || !result.data) throw new Error(result.error?.message ?? "No data");
    return result.data.statusEvents;
  }, live.events);
  const recent = createRecentEvents(live.events);
  const [now, setNow] = createSignal(Date.now());
  const clock = setInterval(() => setNow(Date.now()), 15_000);

  // After a reload the token is back from sessionStorage but its role is not: ask again.
  if (!session.role()) {
    void detectRole(props.token).then((check) => {
      if (check.ok) session.setRole(check.role);
      else if (check.reason === "invalid") session.signOut(check.message);
    });
  }

  // Sync runs and alert changes that happened while the socket was down are read again on reconnection.
  const offConnected = live.ws.on("connected", () => {
    void data.refreshSyncRuns();
    data.resyncAlerts();
  });

  onCleanup(() => {
    clearInterval(clock);
    offConnected();
    recent.dispose();
    history.dispose();
    data.dispose();
    live.dispose();
  });

  return (
    <AppContext.Provider value={{ session, live, data, history, recent, now }}>
      <UrqlProvider value={live.urql}>
        <Router root={Shell}>
          <Route path="/" component={OverviewPage} />
          <Route path="/devices" component={DevicesPage} />
          <Route path="/devices/:id" component={DevicePage} />
          <Route path="/alerts" component={AlertsPage} />
          <Route path="/alerts/rules" component={AlertRulesPage} />
          <Route path="/settings" component={SettingsPage} />
          <Route path="/outbox" component={OutboxPage} />
          <Route path="/audit" component={AuditPage} />
          <Route path="/tokens" component={TokensPage} />
          <Route path="*" component={NotFound} />
        </Router>
      </UrqlProvider>
    </AppContext.Provider>
  );
}

// Employees reach /enroll from the link in their e-mail: their own page, no admin sign-in.
const EnrollPage = lazy(() => import("../features/employee/EnrollPage.tsx"));

export function App() {
  if (window.location.pathname === "/enroll") return <EnrollPage />;
  const session = createSession();
  return (
    <Show
      when={session.token()}
      keyed
      fallback={<SignIn notice={session.notice()} onSignedIn={(token, role) => session.signIn(token, role)} />}
    >
      {(token) => <SignedIn token={token} session={session} />}
    </Show>
  );
}
