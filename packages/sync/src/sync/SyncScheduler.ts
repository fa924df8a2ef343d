import type { Database, SqlConnection } from "@enrollwatch/db";
import type { Logger } from "pino";
import { loadSettings } from "../settings/SettingsStore.ts";
import type { DeviceCheckResult, SyncRunner, SyncRunResult } from "./SyncRunner.ts";

/** Any fixed number; every instance uses the same one, so only one syncs at a time. */
const SYNC_LOCK_KEY = 74_110_003;

export type SyncAttempt = { ran: true; result: SyncRunResult } | { ran: false; reason: "another instance is syncing" };

/**
 * Runs a sync on start, every `syncIntervalMinutes` (re-read each time, so a settings change
 * applies from the next run), and on demand. Never two at once: in this process an on-demand
 * request joins the run in progress; across instances a PostgreSQL advisory lock lets one sync.
 * The schedule is shared through the SyncRun table: an instance whose turn comes finds the last
 * run any instance started and waits for the rest of the interval, so N instances still sync once
 * per interval. Every instance looks again at least every `lockCheckMs`: when the latest run is
 * still RUNNING but nobody holds the sync lock, its instance died mid-run, and this one takes the
 * sync over at once rather than at the next interval.
 */
export class SyncScheduler {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<SyncAttempt> | undefined;
  private stopped = false;
  private deviceCheck: Promise<unknown> | undefined;

  constructor(
    private readonly db: Database,
    private readonly runner: SyncRunner,
    private readonly logger: Logger,
    /** Runs after every sync and device check that wrote (alert evaluation), still under the lock. */
    private readonly afterSync?: () => Promise<unknown>,
    /** How often an instance waiting for its turn checks whether a running sync lost its instance. */
    private readonly lockCheckMs = 30_000,
  ) {}

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current?.catch(() => {});
  }

  /** Runs a sync now, or waits for the one already running in this process. */
  runNow(trigger = "manual"): Promise<SyncAttempt> {
    // A device check in progress finishes first: both hold the sync lock, which PGlite's single
    // session would otherwise grant twice.
    const checking = this.deviceCheck ?? Promise.resolve();
    this.current ??= checking
      .then(() => this.runLocked(trigger))
      .finally(() => {
        this.current = undefined;
      });
    return this.current;
  }

  /**
   * Re-checks one device now, unless a full sync is running (it will check the device anyway): the
   * same lock keeps the two from writing over each other.
   */
  async checkDevice(
    fleetHostId: number,
  ): Promise<({ ran: true } & DeviceCheckResult) | { ran: false; reason: string }> {
    if (this.current || this.deviceCheck) return { ran: false, reason: "a sync is running and will check the device" };
    const check = this.checkDeviceLocked(fleetHostId);
    this.deviceCheck = check.catch(() => {});
    try {
      return await check;
    } finally {
      this.deviceCheck = undefined;
    }
  }

  private async checkDeviceLocked(
    fleetHostId: number,
  ): Promise<({ ran: true } & DeviceCheckResult) | { ran: false; reason: string }> {
    return this.db.withConnection(async (conn) => {
      if (!(await tryLock(conn))) return { ran: false, reason: "a sync is running and will check the device" };
      try {
        const result = await this.runner.syncDevice(fleetHostId);
        // Alert rules read the team and platform too: a device moved to another team without a
        // status change can break (or stop breaking) a team's rule.
        if (result?.written) await this.runAfterSync();
        return result ? { ran: true, ...result } : { ran: false, reason: "Fleet does not know this device any more" };
      } finally {
        await conn.query("SELECT pg_advisory_unlock($1)", [SYNC_LOCK_KEY]);
      }
    });
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let waitMs = 60_000;
    try {
      const intervalMs = (await loadSettings(this.db.prisma)).syncIntervalMinutes * 60_000;
      const last = await this.db.prisma.syncRun.findFirst({
        orderBy: { startedAt: "desc" },
        select: { startedAt: true, state: true },
      });
      const dueIn = last ? last.startedAt.getTime() + intervalMs - Date.now() : 0;
      if (last?.state === "RUNNING" && !this.current) {
        // Running elsewhere, or its instance died: the lock decides. Held, this does nothing.
        const attempt = await this.runNow("takeover");
        if (attempt.ran) this.logger.warn({ syncRunId: attempt.result.id }, "took over the sync of a stopped instance");
        waitMs = attempt.ran ? intervalMs : Math.min(this.lockCheckMs, Math.max(dueIn, 1_000));
      } else if (dueIn > 1_000) {
        waitMs = Math.min(dueIn, this.lockCheckMs);
      } else {
        await this.runNow("schedule");
        waitMs = intervalMs;
      }
    } catch (error) {
      this.logger.error({ err: error }, "scheduled sync crashed");
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), Math.max(1_000, waitMs));
    this.timer.unref();
  }

  private async runLocked(trigger: string): Promise<SyncAttempt> {
    return this.db.withConnection(async (conn) => {
      if (!(await tryLock(conn))) return { ran: false, reason: "another instance is syncing" };
      try {
        // Holding the lock, no run can be in progress: a RUNNING one was cut off (its instance died).
        const { count } = await this.db.prisma.syncRun.updateMany({
          where: { state: "RUNNING" },
          data: {
            state: "FAILED",
            finishedAt: new Date(),
            error: "The instance running this sync stopped before it finished.",
          },
        });
        if (count > 0) this.logger.warn({ count }, "marked interrupted sync runs as failed");
        const result = await this.runner.run(trigger);
        if (result.state !== "FAILED") await this.runAfterSync();
        return { ran: true, result };
      } finally {
        await conn.query("SELECT pg_advisory_unlock($1)", [SYNC_LOCK_KEY]);
      }
    });
  }

  private async runAfterSync(): Promise<void> {
    try {
      await this.afterSync?.();
    } catch (error) {
      // The sync itself committed; a failed follow-up is retried by its own schedule.
      this.logger.error({ err: error }, "after-sync step failed");
    }
  }
}

async function tryLock(conn: SqlConnection): Promise<boolean> {
  const [row] = await conn.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [SYNC_LOCK_KEY]);
  return row?.locked === true;
}
