import type { Prisma, SqlConnection } from "@enrollwatch/db";

/**
 * Every transaction that inserts StatusEvent rows takes this lock first. Sequences hand out numbers
 * at insert time, not commit time; serialising event writers makes commit order equal seq order, so
 * a subscriber that has read "everything up to N" can never later find a smaller seq appear.
 * Take it after the transaction's row writes, never before: a sync holds the Device rows it wrote
 * until it commits and takes this lock last, so a writer that held the lock while waiting for one
 * of those rows would deadlock with it.
 */
const STATUS_EVENT_WRITER_LOCK = 74_110_002;

export async function lockStatusEventWriters(tx: SqlConnection): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock($1)", [STATUS_EVENT_WRITER_LOCK]);
}

/** The same lock for transactions that write events through Prisma (admin actions). */
export async function lockStatusEventWritersWithPrisma(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${STATUS_EVENT_WRITER_LOCK})`;
}
