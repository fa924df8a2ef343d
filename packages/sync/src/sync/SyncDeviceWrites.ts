import type { Database } from "@enrollwatch/db";
import type { BatchResult, DeviceWrite } from "./DeviceStore.ts";
import { DeviceWriteStage } from "./DeviceWriteStage.ts";
import { DeviceWriteTransaction } from "./DeviceWriteTransaction.ts";

/** What one commit of a sync's writes recorded: announced to subscribers once it is durable. */
export type SyncWritesCommitted = BatchResult;

/**
 * Where a sync puts the writes it decides while Fleet is still being paged. Either way nothing is
 * visible before the whole fetch has succeeded, and a failed fetch changes nothing.
 */
export interface SyncDeviceWrites {
  /** Before the first write; never waits (its work runs beside the fetch). */
  open(): void;
  /** Writes decided so far. */
  readonly size: number;
  /**
   * Devices the database took, once committed: a write dropped because its device changed after
   * the sync read it (an admin unenrolled it) is not counted.
   */
  readonly written: number;
  add(write: DeviceWrite): void;
  /** Waits while the database falls behind; throws the first write failure. */
  keepUp(): Promise<void>;
  /** The fetch succeeded: makes every write durable, with its events; `onCommitted` after each commit. */
  commit(syncRunId: string, now: Date, onCommitted: (result: SyncWritesCommitted) => void): Promise<void>;
  /** The sync failed: drops everything (best effort, never throws). */
  discard(): Promise<void>;
}

/**
 * PostgreSQL writes devices into one transaction held open beside the fetch; PGlite, whose single
 * connection Prisma shares, stages them and merges after the fetch (see each class).
 */
export function openSyncDeviceWrites(db: Database, batchSize: number, now: Date): SyncDeviceWrites {
  const writes =
    db.kind === "postgres" ? new DeviceWriteTransaction(db, batchSize, now) : new DeviceWriteStage(db, batchSize);
  writes.open();
  return writes;
}
