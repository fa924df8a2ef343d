import type { PGlite, Transaction } from "@electric-sql/pglite";
import type pg from "pg";

/**
 * The little raw-SQL surface the migrator and the advisory locks need, over either back end.
 * Prisma is not used for migrations: its native schema engine cannot run here
 * (docs/toolchain-notes.md), and migrations are plain SQL files anyway.
 */
export interface SqlConnection {
  query<Row extends Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements (a migration file). */
  exec(script: string): Promise<void>;
  /** Runs `work` in one transaction: all of it commits, or none of it does. */
  transaction<T>(work: (tx: SqlConnection) => Promise<T>): Promise<T>;
  release(): Promise<void>;
}

type PGliteLike = Pick<PGlite | Transaction, "query" | "exec">;

function pgliteQueries(db: PGliteLike): Pick<SqlConnection, "query" | "exec"> {
  return {
    async query<Row extends Record<string, unknown>>(text: string, params: unknown[] = []) {
      return (await db.query<Row>(text, params)).rows;
    },
    async exec(script: string) {
      await db.exec(script);
    },
  };
}

export function pgliteConnection(db: PGlite): SqlConnection {
  const self: SqlConnection = {
    ...pgliteQueries(db),
    transaction(work) {
      return db.transaction((tx) =>
        work({
          ...pgliteQueries(tx),
          transaction: () => Promise.reject(new Error("nested transactions are not supported")),
          release: async () => {},
        }),
      );
    },
    async release() {},
  };
  return self;
}

export function pgConnection(client: pg.PoolClient | pg.Client, release: () => Promise<void>): SqlConnection {
  const self: SqlConnection = {
    async query<Row extends Record<string, unknown>>(text: string, params: unknown[] = []) {
      return (await client.query<Row>(text, params)).rows;
    },
    async exec(script) {
      // A parameterless query goes over the simple-query protocol: one multi-statement script.
      await client.query(script);
    },
    async transaction(work) {
      await client.query("BEGIN");
      try {
        const result = await work(self);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
    },
    release,
  };
  return self;
}
