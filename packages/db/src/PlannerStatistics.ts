import type { Database } from "./Database.ts";

/**
 * Keeps the query planner's statistics current where nothing else does.
 *
 * PostgreSQL's autovacuum analyses a table once enough of it has changed; PGlite runs no
 * autovacuum, so an embedded database never had statistics at all and every plan was made on
 * default estimates: on 100,000 devices the devices search walked the whole name index (221 ms)
 * instead of combining its trigram indexes (6 ms after ANALYZE). On PostgreSQL this only takes a
 * first sync's tables out of the minute or so before autovacuum gets to them.
 *
 * A table is analysed when it holds rows and was never analysed, or when its size on disk has
 * moved by more than half or doubled since it was: the planner scales row estimates by the table's
 * current size itself, so what goes stale in between is only the distribution of values, which a
 * fleet's devices, owners and events change slowly.
 */
export class PlannerStatistics {
  constructor(private readonly db: Database) {}

  /** Analyses the tables whose statistics are missing or stale; answers which it analysed. */
  async refresh(): Promise<string[]> {
    return this.db.withConnection(async (conn) => {
      const tables = await conn.query<{ name: string; reltuples: number; relpages: number; pages: string }>(
        `SELECT c.relname AS name, c.reltuples, c.relpages,
                (pg_relation_size(c.oid) / current_setting('block_size')::int)::text AS pages
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relpersistence = 'p'
            AND c.relname <> '_prisma_migrations'`,
      );
      const stale = tables.filter((t) => isStale(Number(t.reltuples), t.relpages, Number(t.pages))).map((t) => t.name);
      if (stale.length > 0)
        await conn.query(`ANALYZE ${stale.map((name) => `"${name.replace(/"/g, '""')}"`).join(", ")}`);
      return stale;
    });
  }
}

/** `reltuples` is -1 until a table is first vacuumed or analysed (PostgreSQL 14 and later). */
export function isStale(reltuples: number, analysedPages: number, pages: number): boolean {
  if (pages === 0) return false;
  if (reltuples < 0) return true;
  return pages > 2 * analysedPages || pages * 2 < analysedPages;
}
