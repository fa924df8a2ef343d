import { randomBytes } from "node:crypto";
import pg from "pg";
import { type Database, type DatabaseKind, openMigratedDatabase } from "./Database.ts";

/** The local PostgreSQL server tests create their throw-away databases on. */
export const TEST_POSTGRES_ADMIN_URL =
  process.env.TEST_POSTGRES_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export const DATABASE_KINDS: readonly DatabaseKind[] = ["pglite", "postgres"];

export interface TestPostgresDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty PostgreSQL database for one test run; `drop()` removes it. */
export async function createTestPostgresDatabase(): Promise<TestPostgresDatabase> {
  const name = `enrollwatch_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface TestDatabase {
  db: Database;
  /** The DATABASE_URL of the PostgreSQL test database, undefined for PGlite. */
  databaseUrl: string | undefined;
  dispose(): Promise<void>;
}

/** A migrated database of the given kind: in-memory PGlite, or a fresh PostgreSQL database. */
export async function openTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === "pglite") {
    const db = await openMigratedDatabase({ dataDir: "memory://" });
    return { db, databaseUrl: undefined, dispose: () => db.close() };
  }
  const pgdb = await createTestPostgresDatabase();
  const db = await openMigratedDatabase({ databaseUrl: pgdb.url, poolSize: 5 }).catch(async (error: unknown) => {
    await pgdb.drop();
    throw error;
  });
  return {
    db,
    databaseUrl: pgdb.url,
    async dispose() {
      await db.close();
      await pgdb.drop();
    },
  };
}
