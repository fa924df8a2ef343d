import type { Client } from "@urql/core";
import { type Accessor, createSignal } from "solid-js";
import {
  AlertEventsSubscription,
  type AlertSummary,
  AlertSummaryQuery,
  type LiveAlertEvent,
} from "../features/alerts/documents.ts";
import type { SyncRun } from "../features/overview/documents.ts";
import { SyncRunsQuery, SyncRunsSubscription } from "../features/overview/documents.ts";
import type { LiveEventStore } from "../lib/eventFeed.ts";
import {
  type LiveStatusEvent,
  type SettingsData,
  SettingsSubscription,
  type StatusSummary,
  StatusSummaryQuery,
  StatusSummarySubscription,
} from "../lib/liveDocuments.ts";
import type { EnrollmentStatus } from "../lib/status.ts";

export interface Baseline {
  at: number;
  counts: Partial<Record<EnrollmentStatus, number>>;
}

/** Live values the whole dashboard shares, subscribed once per session. */
export interface LiveData {
  summary: Accessor<StatusSummary | undefined>;
  /** The first summary of the session: cards show their change since then. */
  baseline: Accessor<Baseline | undefined>;
  settings: Accessor<SettingsData | undefined>;
  /** The latest sync runs, newest first. */
  syncRuns: Accessor<SyncRun[]>;
  refreshSyncRuns(): Promise<void>;
  /** Puts a run returned by a mutation into the list at once. */
  upsertSyncRun(run: SyncRun): void;
  /** Live alerts by state: the navigation's badge. */
  alertSummary: Accessor<AlertSummary | undefined>;
  /**
   * Calls `listener` after alerts changed, with the devices whose alerts did, or with null when
   * changes may have been missed (the socket came back): then every view reads its alerts again.
   */
  onAlertsChanged(listener: (deviceIds: ReadonlySet<string> | null) => void): () => void;
  /** Reads the alert summary again and tells every listener (after a reconnection, or an own change). */
  resyncAlerts(): void;
  dispose(): void;
}

const RUNS_KEPT = 10;
/** Quiet time after the last live event before the counts are read again to confirm them. */
const SETTLE_MS = 1_000;
/**
 * Alert events come in bursts (one sync opens many): views read their alerts again once per burst.
 * The delay counts from the burst's first event, so a steady stream still refreshes this often.
 */
const ALERT_BATCH_MS = 300;

export function createLiveData(client: Client, events: LiveEventStore<LiveStatusEvent>): LiveData {
  const [summary, setSummary] = createSignal<StatusSummary>();
  const [baseline, setBaseline] = createSignal<Baseline>();
  const [settings, setSettings] = createSignal<SettingsData>();
  const [syncRuns, setSyncRuns] = createSignal<SyncRun[]>([]);

  const upsertSyncRun = (run: SyncRun) => {
    setSyncRuns((runs) =>
      [run, ...runs.filter((r) => r.id !== run.id)]
        .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
        .slice(0, RUNS_KEPT),
    );
  };

  const takeSummary = (value: StatusSummary) => {
    setSummary(value);
    if (!baseline()) {
      setBaseline({ at: Date.now(), counts: Object.fromEntries(value.counts.map((c) => [c.status, c.count])) });
    }
  };

  // The statusSummary subscription coalesces updates, and now and then (seen in the browser, not
  // reproduced server-side) an update after a burst does not arrive. The counts must be exact once a
  // burst is over, so when the event feed goes quiet the summary is read once more over HTTP.
  let settleTimer: ReturnType<typeof setTimeout> | undefined;
  const stopSettling = events.listen(() => {
    clearTimeout(settleTimer);
    settleTimer = setTimeout(async () => {
      const result = await client.query(StatusSummaryQuery, {}).toPromise();
      if (result.data) takeSummary(result.data.statusSummary);
    }, SETTLE_MS);
  });

  const [alertSummary, setAlertSummary] = createSignal<AlertSummary>();
  const alertListeners = new Set<(deviceIds: ReadonlySet<string> | null) => void>();
  let alertSummaryRun = 0;
  const refreshAlertSummary = async () => {
    // Only the latest read may land: an older answer arriving late would show an old count.
    const run = ++alertSummaryRun;
    const result = await client.query(AlertSummaryQuery, {}).toPromise();
    if (result.data && run === alertSummaryRun) setAlertSummary(result.data.alertSummary);
  };
  const notifyAlerts = (deviceIds: ReadonlySet<string> | null) => {
    void refreshAlertSummary();
    for (const listener of alertListeners) listener(deviceIds);
  };
  let pendingAlertDevices = new Set<string>();
  let alertTimer: ReturnType<typeof setTimeout> | undefined;
  const takeAlertEvent = (event: LiveAlertEvent) => {
    pendingAlertDevices.add(event.alert.device.id);
    alertTimer ??= setTimeout(() => {
      alertTimer = undefined;
      const devices = pendingAlertDevices;
      pendingAlertDevices = new Set();
      notifyAlerts(devices);
    }, ALERT_BATCH_MS);
  };
  void refreshAlertSummary();

  const subscriptions = [
    // Live events only: after a reconnection the views read their alerts again (resyncAlerts), which
    // covers whatever happened while the socket was down.
    client.subscription(AlertEventsSubscription, {}).subscribe((result) => {
      if (result.data) takeAlertEvent(result.data.alerts);
    }),
    client.subscription(StatusSummarySubscription, {}).subscribe((result) => {
      const value = result.data?.statusSummary;
      if (value) takeSummary(value);
    }),
    client.subscription(SettingsSubscription, {}).subscribe((result) => {
      if (result.data) setSettings(result.data.settings);
    }),
    client.subscription(SyncRunsSubscription, {}).subscribe((result) => {
      if (result.data) upsertSyncRun(result.data.syncRuns);
    }),
  ];

  const refreshSyncRuns = async () => {
    const result = await client.query(SyncRunsQuery, { first: RUNS_KEPT }).toPromise();
    if (result.data) setSyncRuns(result.data.syncRuns);
  };
  void refreshSyncRuns();

  return {
    summary,
    baseline,
    settings,
    syncRuns,
    refreshSyncRuns,
    upsertSyncRun,
    alertSummary,
    onAlertsChanged(listener) {
      alertListeners.add(listener);
      return () => alertListeners.delete(listener);
    },
    resyncAlerts: () => notifyAlerts(null),
    dispose() {
      clearTimeout(settleTimer);
      clearTimeout(alertTimer);
      alertListeners.clear();
      stopSettling();
      for (const s of subscriptions) s.unsubscribe();
    },
  };
}
