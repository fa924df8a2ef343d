import type { Database, SqlConnection } from "@enrollwatch/db";
import {
  type DeviceWrite,
  insertTransitionEvents,
  isTransition,
  type Transition,
  upsertDeviceWrites,
} from "./DeviceStore.ts";
import { lockStatusEventWriters } from "./EventOrdering.ts";
import type { SyncDeviceWrites, SyncWritesCommitted } from "./SyncDeviceWrites.ts";
import { WriteBatches } from "./WriteBatches.ts";

/**
 * A sync's device writes on PostgreSQL: upserted into Device batch by batch as they are decided,
 * inside one transaction held open for the whole sync, so the database merges beside the fetch
 * instead of after it, and a failed fetch rolls everything back. The StatusEvents are inserted at
 * the end, just before the commit, under the event-writer lock: taking that lock when the first
 * transition is decided would stall every other event writer for the whole fetch.
 *
 * Rows it wrote stay locked until the commit, so another writer of one of those devices (an
 * admin's unenrolment, an employee's "check again") waits for the sync. Every event writer takes
 * its row locks before the event-writer lock, so that wait can never close a cycle.
 */
export class DeviceWriteTransaction implements SyncDeviceWrites {
  private readonly batches: WriteBatches<DeviceWrite>;
  /** Transitions in decision order; small records sharing interned strings, not whole writes. */
  private readonly transitions: Transition[] = [];
  private conn: SqlConnection | null = null;
  private upserted = 0;

  constructor(
    private readonly db: Database,
    private readonly batchSize: number,
    now: Date,
  ) {
    this.batches = new WriteBatches(batchSize, async (chunk) => {
      this.upserted += await upsertDeviceWrites(this.connection(), chunk, now);
    });
  }

  open(): void {
    this.batches.enqueue(async () => {
      const conn = await this.db.connect();
      try {
        await conn.query("BEGIN");
      } catch (error) {
        await conn.release();
        throw error;
      }
      this.conn = conn;
    });
  }

  get size(): number {
    return this.batches.size;
  }

  get written(): number {
    return this.upserted;
  }

  add(write: DeviceWrite): void {
    if (isTransition(write)) {
      this.transitions.push({
        fleetHostId: write.fleetHostId,
        from: write.previousStatus,
        to: write.status,
        problemsJson: write.problemsJson,
      });
    }
    this.batches.push(write);
  }

  keepUp(): Promise<void> {
    return this.batches.keepUp();
  }

  async commit(syncRunId: string, now: Date, onCommitted: (result: SyncWritesCommitted) => void): Promise<void> {
    await this.batches.drain();
    const conn = this.connection();
    let result: SyncWritesCommitted = { maxSeq: null, transitions: 0 };
    if (this.transitions.length > 0) {
      await lockStatusEventWriters(conn);
      for (let from = 0; from < this.transitions.length; from += this.batchSize) {
        const part = await insertTransitionEvents(
          conn,
          this.transitions.slice(from, from + this.batchSize),
          syncRunId,
          now,
        );
        result = { maxSeq: part.maxSeq ?? result.maxSeq, transitions: result.transitions + part.transitions };
      }
    }
    await conn.query("COMMIT");
    await this.release();
    onCommitted(result);
  }

  async discard(): Promise<void> {
    await this.batches.settle();
    if (!this.conn) return;
    await this.conn.query("ROLLBACK").catch(() => {});
    await this.release();
  }

  private connection(): SqlConnection {
    if (!this.conn) throw new Error("the sync's write transaction is not open");
    return this.conn;
  }

  private async release(): Promise<void> {
    const conn = this.conn;
    this.conn = null;
    await conn?.release();
  }
}
