import type { Database, SqlConnection } from "@enrollwatch/db";
import type { Logger } from "pino";
import { loadSettings } from "../settings/SettingsStore.ts";
import type { SyncRunner, SyncRunResult } from "./SyncRunner.ts";

/** Any fixed number; every instance uses the same one, so only one syncs at a time. */
const SYNC_LOCK_KEY = 74_110_003;

export type SyncAttempt = { ran: true; result: SyncRunResult } | { ran: false; reason: "another instance is syncing" };

/**
 * Runs a sync on start, every `syncIntervalMinutes` (re-read after each run, so a settings change
 * applies from the next run), and on demand. Never two at once: in this process an on-demand
 * request joins the run in progress; across instances a PostgreSQL advisory lock lets one sync.
 */
export class SyncScheduler {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<SyncAttempt> | undefined;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly runner: SyncRunner,
    private readonly logger: Logger,
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
    this.current ??= this.runLocked(trigger).finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.runNow("schedule");
    } catch (error) {
      this.logger.error({ err: error }, "scheduled sync crashed");
    }
    if (this.stopped) return;
    const minutes = await loadSettings(this.db.prisma).then(
      (s) => s.syncIntervalMinutes,
      () => 5,
    );
    this.timer = setTimeout(() => void this.tick(), minutes * 60_000);
    this.timer.unref();
  }

  private async runLocked(trigger: string): Promise<SyncAttempt> {
    const conn = await this.db.connect();
    try {
      if (!(await tryLock(conn))) return { ran: false, reason: "another instance is syncing" };
      try {
        return { ran: true, result: await this.runner.run(trigger) };
      } finally {
        await conn.query("SELECT pg_advisory_unlock($1)", [SYNC_LOCK_KEY]);
      }
    } finally {
      await conn.release();
    }
  }
}

async function tryLock(conn: SqlConnection): Promise<boolean> {
  const [row] = await conn.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [SYNC_LOCK_KEY]);
  return row?.locked === true;
}
