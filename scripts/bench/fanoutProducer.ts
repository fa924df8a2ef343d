/**
 * Writes status transitions into the server's PostgreSQL database as the sync does: one transaction
 * per batch that first takes the event writers' advisory lock (EventOrdering.ts), then signals
 * "events up to seq N" on Redis exactly as the server's pub/sub does (@graphql-yoga/redis-event-target
 * publishes JSON.stringify(payload) on the channel named by the topic, "statusEvents").
 */
import { type Database, openDatabase, type SqlConnection } from "../../packages/db/src/index.ts";
import { Redis } from "./deps.ts";
import { type ProducedBatch, type ProducedRun, wallNow } from "./protocol.ts";

/** packages/sync/src/sync/EventOrdering.ts STATUS_EVENT_WRITER_LOCK. */
const STATUS_EVENT_WRITER_LOCK = 74_110_002;
const CHANNEL = "statusEvents";
/** A late tick catches up, but never with one enormous transaction. */
const MAX_BATCH = 1000;

const INSERT_SQL = `INSERT INTO "StatusEvent" ("deviceId", "from", "to", "reasons", "at")
  SELECT u.d, u.f::"EnrollmentStatus", u.t::"EnrollmentStatus", '[]'::jsonb, $4::timestamp
  FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(d, f, t)
  RETURNING seq`;

const STATUSES = ["ENROLLED", "AGENT_INACTIVE", "OFFLINE", "PARTIALLY_ENROLLED"] as const;

export class EventProducer {
  private next = 0;

  private constructor(
    private readonly db: Database,
    private readonly conn: SqlConnection,
    private readonly redis: Redis,
    private readonly deviceIds: string[],
  ) {}

  static async open(databaseUrl: string, redisUrl: string): Promise<EventProducer> {
    const db = await openDatabase({ databaseUrl, poolSize: 1 });
    const conn = await db.connect();
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await redis.connect();
      const rows = await conn.query<{ id: string }>(`SELECT id FROM "Device" ORDER BY "fleetHostId"`);
      if (rows.length === 0) throw new Error("no devices to write events for (syncNow first)");
      return new EventProducer(
        db,
        conn,
        redis,
        rows.map((r) => r.id),
      );
    } catch (error) {
      redis.disconnect();
      await conn.release();
      await db.close();
      throw error;
    }
  }

  /** One transaction of `count` events, committed, then signalled; `at` is the commit (wall ms). */
  async batch(count: number): Promise<ProducedBatch> {
    const ids: string[] = [];
    const from: string[] = [];
    const to: string[] = [];
    for (let i = 0; i < count; i++, this.next++) {
      ids.push(this.deviceIds[this.next % this.deviceIds.length] as string);
      from.push(STATUSES[this.next % STATUSES.length] as string);
      to.push(STATUSES[(this.next + 1) % STATUSES.length] as string);
    }
    const seqs = await this.conn.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [STATUS_EVENT_WRITER_LOCK]);
      return tx.query<{ seq: string }>(INSERT_SQL, [ids, from, to, new Date().toISOString()]);
    });
    const at = wallNow();
    let firstSeq = Number.POSITIVE_INFINITY;
    let lastSeq = 0;
    for (const row of seqs) {
      const seq = Number(row.seq);
      if (seq < firstSeq) firstSeq = seq;
      if (seq > lastSeq) lastSeq = seq;
    }
    await this.redis.publish(CHANNEL, JSON.stringify({ upToSeq: String(lastSeq) }));
    return { firstSeq, lastSeq, at };
  }

  /**
   * `rate` events/s for `durationMs`, a batch every `tickMs`. What is due follows the clock, not the
   * tick count: a late tick writes what is due (in batches of at most MAX_BATCH), so the load ends on time.
   */
  async run(rate: number, tickMs: number, durationMs: number): Promise<ProducedRun> {
    const batches: ProducedBatch[] = [];
    const total = Math.round((rate * durationMs) / 1000);
    const started = wallNow();
    let produced = 0;
    for (let tick = 1; ; tick++) {
      const elapsed = wallNow() - started;
      const due =
        elapsed + tickMs >= durationMs ? total : Math.min(total, Math.round((rate * (elapsed + tickMs)) / 1000));
      while (produced < due) {
        const n = Math.min(MAX_BATCH, due - produced);
        batches.push(await this.batch(n));
        produced += n;
      }
      if (produced >= total) break;
      const wait = started + tick * tickMs - wallNow();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    return { batches, produced, startedAt: started, endedAt: batches.at(-1)?.at ?? started };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    await this.conn.release().catch(() => {});
    await this.db.close().catch(() => {});
  }
}
