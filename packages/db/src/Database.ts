import { accessSync, constants, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { PrismaPGlite } from "pglite-prisma-adapter";
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
  /** Emit every SQL statement Prisma runs to Database.onQuery listeners (tests that count queries). */
  queryEvents?: boolean | undefined;
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
  /** Runs `work` on a raw connection from `connect()` and releases it however `work` ends. */
  withConnection<T>(work: (conn: SqlConnection) => Promise<T>): Promise<T>;
  migrate(migrationsDir?: string): Promise<MigrateResult>;
  /** Listens to the SQL Prisma runs; only when opened with `queryEvents`. Returns an unsubscribe. */
  onQuery(listener: (sql: string) => void): () => void;
  close(): Promise<void>;
}

export const DEFAULT_DATA_DIR = "./data";

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const queries = new QueryEvents(options.queryEvents === true);
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 10, queries)
    : openPGlite(options.dataDir ?? DEFAULT_DATA_DIR, queries);
}

/** Prisma's query log, wired only when asked for: it costs a little on every query. */
class QueryEvents {
  private readonly listeners = new Set<(sql: string) => void>();
  constructor(readonly enabled: boolean) {}
  client(adapter: PrismaPg | PrismaPGlite): PrismaClient {
    if (!this.enabled) return new PrismaClient({ adapter });
    const client = new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
    client.$on("query", (event) => {
      for (const listener of this.listeners) listener(event.query);
    });
    return client as unknown as PrismaClient;
  }
  on(listener: (sql: string) => void): () => void {
    if (!this.enabled) throw new Error("open the database with queryEvents: true to listen to queries");
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
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

async function openPostgres(databaseUrl: string, poolSize: number, queries: QueryEvents): Promise<Database> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: 5_000 });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end().catch(() => {});
    throw describeConnectionError(error, databaseUrl);
  }
  const prisma = queries.client(new PrismaPg(pool));
  return assemble({
    kind: "postgres",
    location: redactUrl(databaseUrl),
    prisma,
    queries,
    async connect() {
      const client = await pool.connect().catch((error: unknown) => {
        throw describeConnectionError(error, databaseUrl);
      });
      return pgConnection(client, async () => client.release());
    },
    closeDriver: () => pool.end(),
  });
}

async function openPGlite(dataDir: string, queries: QueryEvents): Promise<Database> {
  const inMemory = dataDir === "memory://";
  const location = inMemory ? dataDir : resolve(dataDir);
  if (!inMemory) ensureWritableDir(location);
  // Loaded only when used: importing PGlite alone costs ~40 MB of memory, which a deployment on
  // PostgreSQL (several instances, each syncing 100,000 hosts) should not carry.
  const [{ PGlite }, { PrismaPGlite }, { pg_trgm }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("pglite-prisma-adapter"),
    import("@electric-sql/pglite/contrib/pg_trgm"),
  ]);
  let pglite: PGlite;
  try {
    // The schema's trigram indexes (the devices search) need pg_trgm, which PGlite loads on demand.
    const extensions = { pg_trgm };
    pglite = inMemory ? await PGlite.create({ extensions }) : await PGlite.create(location, { extensions });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new DatabaseSetupError(
      `Cannot open the embedded database in DATA_DIR ${location} (${reason}): it may be damaged or in use; choose another DATA_DIR or restore it.`,
    );
  }
  const prisma = queries.client(new PrismaPGlite(pglite));
  return assemble({
    kind: "pglite",
    location,
    prisma,
    queries,
    connect: async () => pgliteConnection(pglite),
    closeDriver: () => pglite.close(),
  });
}

/** The parts both back ends share: migrations, query events, closing once. */
function assemble(parts: {
  kind: DatabaseKind;
  location: string;
  prisma: PrismaClient;
  queries: QueryEvents;
  connect(): Promise<SqlConnection>;
  closeDriver(): Promise<void>;
}): Database {
  let closed = false;
  const db: Database = {
    kind: parts.kind,
    location: parts.location,
    prisma: parts.prisma,
    connect: parts.connect,
    async withConnection(work) {
      // Through `db.connect`, not `parts.connect`, so a wrapped connect (the benchmark's probe) sees it.
      const conn = await db.connect();
      try {
        return await work(conn);
      } finally {
        await conn.release();
      }
    },
    migrate: (dir) => migrateWith(db, dir),
    onQuery: (listener) => parts.queries.on(listener),
    async close() {
      if (closed) return;
      closed = true;
      await parts.prisma.$disconnect();
      await parts.closeDriver();
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
