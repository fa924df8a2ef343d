import type { Database } from "@enrollwatch/db";
import {
  clearStagedWrites,
  type DeviceWrite,
  isTransition,
  mergeStagedWrites,
  stageDeviceWrites,
  upsertStagedOwners,
} from "./DeviceStore.ts";
import type { SyncDeviceWrites, SyncWritesCommitted } from "./SyncDeviceWrites.ts";
import { WriteBatches } from "./WriteBatches.ts";

/**
 * A sync's device writes on PGlite, on their way to Device. While Fleet is being paged they are
 * staged in SyncStagedDevice, a batch at a time (so memory stays flat however large the fleet);
 * once the whole fetch has succeeded they are merged into Device one transaction per batch, each
 * with its StatusEvents. A sync that fails before the merge discards the stage and changes nothing.
 * (PGlite has one connection, shared with Prisma: a transaction held open across the fetch, as on
 * PostgreSQL, would take every API request into it.)
 */
export class DeviceWriteStage implements SyncDeviceWrites {
  private readonly batchesWithTransitions = new Set<number>();
  private readonly batches: WriteBatches<DeviceWrite>;
  private merged = 0;

  constructor(
    private readonly db: Database,
    private readonly batchSize: number,
  ) {
    this.batches = new WriteBatches(batchSize, (chunk, firstOrd) =>
      db.withConnection((conn) => stageDeviceWrites(conn, chunk, firstOrd)),
    );
  }

  /**
   * Empties the stage (what a crashed sync left) before the first batch is staged, without holding
   * up the fetch. Only the sync leader stages, one run at a time.
   */
  open(): void {
    this.batches.enqueue(() => this.db.withConnection(clearStagedWrites));
  }

  get size(): number {
    return this.batches.size;
  }

  get written(): number {
    return this.merged;
  }

  add(write: DeviceWrite): void {
    if (isTransition(write)) this.batchesWithTransitions.add(Math.floor(this.size / this.batchSize));
    this.batches.push(write);
  }

  keepUp(): Promise<void> {
    return this.batches.keepUp();
  }

  async commit(syncRunId: string, now: Date, onCommitted: (result: SyncWritesCommitted) => void): Promise<void> {
    await this.batches.drain();
    const staged = this.batches.size;
    if (staged === 0) return;
    await this.db.withConnection(upsertStagedOwners);
    for (let from = 0, batch = 0; from < staged; from += this.batchSize, batch++) {
      const to = Math.min(from + this.batchSize, staged);
      const hasTransitions = this.batchesWithTransitions.has(batch);
      const { written, ...committed } = await this.db.withConnection((conn) =>
        mergeStagedWrites(conn, from, to, hasTransitions, syncRunId, now),
      );
      this.merged += written;
      onCommitted(committed);
    }
    // Everything is committed and announced: failing to empty the stage must not fail the sync
    // (the next one empties it before staging anything).
    await this.db.withConnection(clearStagedWrites).catch(() => {});
  }

  async discard(): Promise<void> {
    await this.batches.settle();
    await this.db.withConnection(clearStagedWrites).catch(() => {});
  }
}
