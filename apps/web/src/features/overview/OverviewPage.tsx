import { useNavigate } from "@solidjs/router";
import { lazy, Suspense } from "solid-js";
import { useApp } from "../../app/context.ts";
import { ActivityFeed } from "./ActivityFeed.tsx";
import { PendingUnenrollment } from "./PendingUnenrollment.tsx";
import { StatusCards } from "./StatusCards.tsx";
import { SyncPanel } from "./SyncPanel.tsx";
import { TeamHealth } from "./TeamHealth.tsx";

// uPlot is the largest dependency: it loads after the cards have painted.
const HistoryChart = lazy(() => import("./HistoryChart.tsx"));

export default function OverviewPage() {
  const { data, history, recent } = useApp();
  const navigate = useNavigate();
  return (
    <div class="page">
      <h1>Overview</h1>
      <PendingUnenrollment />
      <StatusCards
        summary={data.summary()}
        baseline={data.baseline()}
        onSelect={(status) => navigate(`/devices?status=${status}`)}
      />
      <div class="overview-grid">
        <section class="panel" aria-label="History">
          <Suspense fallback={<p class="muted">Loading chart…</p>}>
            <HistoryChart history={history} />
          </Suspense>
        </section>
        <SyncPanel />
      </div>
      <TeamHealth />
      <ActivityFeed events={recent.events()} />
    </div>
  );
}
