import { accessSync, constants, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { DatabaseSetupError, describeConnectionError, redactUrl } from "./errors.ts";
import { PrismaClient } from "./generated/prisma/client.ts";
import { applyMigrations, type MigrateResult, readMigrations } from "./migrations/Migrator.ts";
import { pgConnection, pgliteConnection, type SqlConnection } from "./SqlConnection.ts";

export interface DatabaseOptions {
  /** PostgreSQL connection string. When absent, the embedded PGlite database is used. */
  databaseUrl?: string | undefined;
  /** Where embedded PGlite keeps its files; `memory://` keeps them in memory (tests). */
  dataDir?: string | undefined;
  /** PostgreSQL pool size. */
  poolSize?: number | undefined;
}

export type DatabaseKind = "pglite" | "postgres";

export interface Database {
  readonly kind: DatabaseKind;
  /** Where the data lives, safe to log (credentials redacted). */
  readonly location: string;
  readonly prisma: PrismaClient;
  /**
   * A dedicated raw connection (advisory locks, migrations). On PGlite there is only one
   * connection, shared with Prisma: callers must not hold a transaction open across awaits
   * that also use Prisma.
   */
  connect(): Promise<SqlConnection>;
  migrate(migrationsDir?: string): Promise<MigrateResult>;
  close(): Promise<void>;
}

export const DEFAULT_DATA_DIR = "./data";

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 10)
    : openPGlite(options.dataDir ?? DEFAULT_DATA_DIR);
}

/** Opens the database and applies pending migrations: what every process does at start-up. */
export async function openMigratedDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const db = await openDatabase(options);
  try {
    await db.migrate();
    return db;
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}

async function migrateWith(db: Pick<Database, "connect">, migrationsDir?: string): Promise<MigrateResult> {
  const migrations = await readMigrations(migrationsDir);
  const conn = await db.connect();
  try {
    return await applyMigrations(conn, migrations);
  } finally {
    await conn.release();
  }
}

async function openPostgres(databaseUrl: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: 5_000 });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end().catch(() => {});
    throw describeConnectionError(error, databaseUrl);
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed = false;
  const db: Database = {
    kind: "postgres",
    location: redactUrl(databaseUrl),
    prisma,
    async connect() {
      const client = await pool.connect().catch((error: unknown) => {
        throw describeConnectionError(error, databaseUrl);
      });
      return pgConnection(client, async () => client.release());
    },
    migrate: (dir) => migrateWith(db, dir),
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect();
      await pool.end();
    },
  };
  return db;
}

async function openPGlite(dataDir: string): Promise<Database> {
  const inMemory = dataDir === "memory://";
  const location = inMemory ? dataDir : resolve(dataDir);
  if (!inMemory) ensureWritableDir(location);
  let pglite: PGlite;
  try {
    pglite = inMemory ? await PGlite.create() : await PGlite.create(location);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new DatabaseSetupError(
      `Cannot open the embedded database in DATA_DIR ${location} (${reason}): it may be damaged or in use; choose another DATA_DIR or restore it.`,
    );
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  let closed = false;
  const db: Database = {
    kind: "pglite",
    location,
    prisma,
    async connect() {
      return pgliteConnection(pglite);
    },
    migrate: (dir) => migrateWith(db, dir),
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect();
      await pglite.close();
    },
  };
  return db;
}

function ensureWritableDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new DatabaseSetupError(
      `DATA_DIR ${dir} is not a writable directory (${code}): set DATA_DIR to a folder this user can write, or fix its permissions.`,
    );
  }
}
