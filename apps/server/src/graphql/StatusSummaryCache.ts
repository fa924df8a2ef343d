import { ENROLLMENT_STATUSES, type EnrollmentStatus } from "@enrollwatch/sync";
import { prisma } from "../db.ts";
import type { EnrollwatchPubSub } from "../pubsub.ts";

export interface StatusSummary {
  total: number;
  counts: { status: EnrollmentStatus; count: number }[];
}

/** One Fleet team's summary; `team` null for the devices in no team. */
export interface TeamStatusSummary extends StatusSummary {
  team: string | null;
}

/**
 * Counts per status change only when a status event commits, so the summary is computed once per
 * change and served from memory in between (the dashboard and every subscriber ask often). Every
 * instance hears the same signals, so each cache stays exact behind a load balancer.
 */
export class StatusSummaryCache {
  private cached: Promise<StatusSummary> | undefined;
  /** Computed only when asked for (the overview's team table), dropped with the summary. */
  private cachedByTeam: Promise<TeamStatusSummary[]> | undefined;
  private cachedByTeamAt = 0;
  private readonly stopListening: () => void;
  private readonly listeners = new Set<() => void>();

  constructor(pubsub: EnrollwatchPubSub) {
    const signals = pubsub.subscribe("statusEvents");
    // A sync can move devices between teams without any status event: the team summaries are
    // dropped when a sync run changes (the fleet's counts cannot have changed without an event),
    // or when a device is rewritten outside a sync (an employee's check again).
    const runs = pubsub.subscribe("syncRuns");
    const devices = pubsub.subscribe("devices");
    let stopped = false;
    void (async () => {
      for await (const _ of signals) {
        if (stopped) break;
        this.invalidate();
      }
    })();
    for (const teamSignals of [runs, devices]) {
      void (async () => {
        for await (const _ of teamSignals) {
          if (stopped) break;
          this.cachedByTeam = undefined;
        }
      })();
    }
    this.stopListening = () => {
      stopped = true;
      void signals.return?.();
      void runs.return?.();
      void devices.return?.();
    };
  }

  get(): Promise<StatusSummary> {
    this.cached ??= computeSummary().catch((error: unknown) => {
      this.cached = undefined;
      throw error;
    });
    return this.cached;
  }

  /** The summary of each team, by team name (no team last); one query per change, like get(). */
  byTeam(): Promise<TeamStatusSummary[]> {
    // Also aged out, should a "devices" signal be lost (a Redis restart): an employee's "check
    // again" can move a device to another team with no status event and no sync run to say so.
    if (Date.now() - this.cachedByTeamAt > TEAM_SUMMARY_MAX_AGE_MS) this.cachedByTeam = undefined;
    if (!this.cachedByTeam) this.cachedByTeamAt = Date.now();
    this.cachedByTeam ??= computeByTeam().catch((error: unknown) => {
      this.cachedByTeam = undefined;
      throw error;
    });
    return this.cachedByTeam;
  }

  /**
   * Invalidates, then tells listeners: a subscriber woken here always reads the new value (had it
   * listened to the pub/sub itself, it could read the cache before the cache heard the signal).
   */
  invalidate(): void {
    this.cached = undefined;
    this.cachedByTeam = undefined;
    for (const listener of this.listeners) listener();
  }

  /** Calls `listener` after every change; returns the way to stop. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
    this.stopListening();
  }
}

async function computeSummary(): Promise<StatusSummary> {
  const rows = await prisma.device.groupBy({ by: ["status"], _count: { _all: true } });
  const byStatus = new Map(rows.map((r) => [r.status, r._count._all]));
  const counts = ENROLLMENT_STATUSES.map((status) => ({ status, count: byStatus.get(status) ?? 0 }));
  return { total: counts.reduce((sum, c) => sum + c.count, 0), counts };
}

/** The longest the team summaries are served without a signal to drop them. */
const TEAM_SUMMARY_MAX_AGE_MS = 30_000;

async function computeByTeam(): Promise<TeamStatusSummary[]> {
  const rows = await prisma.device.groupBy({ by: ["teamName", "status"], _count: { _all: true } });
  const teams = new Map<string | null, Map<EnrollmentStatus, number>>();
  for (const row of rows) {
    const byStatus = teams.get(row.teamName) ?? new Map<EnrollmentStatus, number>();
    teams.set(row.teamName, byStatus);
    byStatus.set(row.status, row._count._all);
  }
  return [...teams]
    .map(([team, byStatus]) => {
      const counts = ENROLLMENT_STATUSES.map((status) => ({ status, count: byStatus.get(status) ?? 0 }));
      return { team, total: counts.reduce((sum, c) => sum + c.count, 0), counts };
    })
    .sort((a, b) => (a.team === null ? 1 : b.team === null ? -1 : a.team.localeCompare(b.team)));
}
