import type { Database } from "@enrollwatch/db";
import {
  type BatchResult,
  clearStagedWrites,
  type DeviceWrite,
  isTransition,
  mergeStagedWrites,
  stageDeviceWrites,
  upsertStagedOwners,
} from "./DeviceStore.ts";

/**
 * A sync's device writes on their way to Device. While Fleet is being paged they are staged in
 * SyncStagedDevice, a batch at a time (so memory stays flat however large the fleet); once the
 * whole fetch has succeeded they are merged into Device one transaction per batch, each with its
 * StatusEvents. A sync that fails before the merge discards the stage and changes nothing.
 */
export class DeviceWriteStage {
  private pending: DeviceWrite[] = [];
  private staged = 0;
  private readonly batchesWithTransitions = new Set<number>();
  private flushing: Promise<void> = Promise.resolve();
  private flushesQueued = 0;
  private failure: { error: unknown } | null = null;

  constructor(
    private readonly db: Database,
    private readonly batchSize: number,
  ) {}

  /**
   * Empties the stage (what a crashed sync left) before the first batch is staged, without holding
   * up the fetch. Only the sync leader stages, one run at a time.
   */
  open(): void {
    this.flushing = this.db.withConnection(clearStagedWrites).catch((error: unknown) => {
      this.failure ??= { error };
    });
  }

  /** Writes decided so far. */
  get size(): number {
    return this.staged + this.pending.length;
  }

  add(write: DeviceWrite): void {
    if (isTransition(write)) this.batchesWithTransitions.add(Math.floor(this.size / this.batchSize));
    this.pending.push(write);
    if (this.pending.length >= this.batchSize) this.flush();
  }

  /** Waits while more than one batch is queued for staging: the database sets the pace, not memory. */
  async keepUp(): Promise<void> {
    if (this.flushesQueued > 1) await this.flushing;
    this.throwIfFailed();
  }

  /**
   * Stages what is left, then merges everything into Device, batch by batch in staging order.
   * `onBatch` runs after each batch's commit.
   */
  async merge(syncRunId: string, now: Date, onBatch: (result: BatchResult) => void): Promise<void> {
    this.flush();
    await this.flushing;
    this.throwIfFailed();
    if (this.staged === 0) return;
    await this.db.withConnection(upsertStagedOwners);
    for (let from = 0, batch = 0; from < this.staged; from += this.batchSize, batch++) {
      const to = Math.min(from + this.batchSize, this.staged);
      const hasTransitions = this.batchesWithTransitions.has(batch);
      onBatch(
        await this.db.withConnection((conn) => mergeStagedWrites(conn, from, to, hasTransitions, syncRunId, now)),
      );
    }
    // Everything is committed and announced: failing to empty the stage must not fail the sync
    // (the next one empties it before staging anything).
    await this.db.withConnection(clearStagedWrites).catch(() => {});
  }

  /** Drops whatever was staged (the sync failed). Best effort: the next sync empties the stage anyway. */
  async discard(): Promise<void> {
    this.pending = [];
    await this.flushing.catch(() => {});
    await this.db.withConnection(clearStagedWrites).catch(() => {});
  }

  private flush(): void {
    if (this.pending.length === 0 || this.failure) return;
    const chunk = this.pending;
    const firstOrd = this.staged;
    this.pending = [];
    this.staged += chunk.length;
    this.flushesQueued++;
    this.flushing = this.flushing
      .then(() =>
        this.failure ? undefined : this.db.withConnection((conn) => stageDeviceWrites(conn, chunk, firstOrd)),
      )
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.flushesQueued--;
      });
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
