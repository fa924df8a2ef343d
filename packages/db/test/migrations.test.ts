import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DatabaseSetupError, defaultMigrationsDir, openDatabase, readMigrations } from "../src/index.ts";
import { defaultSchemaPath, diffSchemaAgainstMigrations } from "../src/migrations/SchemaDiff.ts";
import { createTestPostgresDatabase, DATABASE_KINDS, type TestPostgresDatabase } from "../src/testing.ts";

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "enrollwatch-migrations-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A copy of the real migrations folder plus one extra migration with the given SQL. */
async function migrationsWithExtra(name: string, sql: string): Promise<string> {
  const dir = join(scratch, name);
  await cp(defaultMigrationsDir, dir, { recursive: true });
  await mkdir(join(dir, `99990101000000_${name}`));
  await writeFile(join(dir, `99990101000000_${name}`, "migration.sql"), sql);
  return dir;
}

describe("schema.prisma and prisma/migrations", () => {
  it("agree: the migrations build exactly the schema (no drift)", async () => {
    const drift = await diffSchemaAgainstMigrations();
    expect(drift, `schema.prisma changed without a migration; run pnpm db:migrate:dev NAME.\n${drift}`).toBe("");
  });

  it("a schema change without a migration is detected as drift", async () => {
    const schema = await readFile(defaultSchemaPath, "utf8");
    const changed = schema.replace("model Employee {", "model Employee {\n  nickname String?");
    const path = join(scratch, "schema.prisma");
    await writeFile(path, changed);
    const drift = await diffSchemaAgainstMigrations(path);
    expect(drift).toMatch(/ALTER TABLE "Employee" ADD COLUMN\s+"nickname" TEXT/);
  });
});

describe.each(DATABASE_KINDS)("migrating %s", (kind) => {
  let pgdb: TestPostgresDatabase | undefined;
  afterEach(async () => {
    await pgdb?.drop();
    pgdb = undefined;
  });
  const open = async () => {
    if (kind === "pglite") return openDatabase({ dataDir: "memory://" });
    pgdb = await createTestPostgresDatabase();
    return openDatabase({ databaseUrl: pgdb.url, poolSize: 2 });
  };

  it("rolls a failing migration back whole and says which one failed", async () => {
    const dir = await migrationsWithExtra(
      `broken_${kind}`,
      'CREATE TABLE "HalfDone" (id int);\nALTER TABLE "NoSuchTable" ADD COLUMN x int;\n',
    );
    const db = await open();
    try {
      const error = await db.migrate(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseSetupError);
      expect((error as Error).message).toMatch(/^Migration 99990101000000_broken_\w+ failed and was rolled back/);
      expect((error as Error).message).not.toContain("\n");
      const conn = await db.connect();
      try {
        const half = await conn.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'HalfDone'");
        expect(half).toEqual([]);
        const rows = await conn.query<{ migration_name: string }>(`SELECT migration_name FROM "_prisma_migrations"`);
        const good = await readMigrations();
        // The good migrations before it stay applied; the broken one leaves no trace.
        expect(rows.map((r) => r.migration_name).sort()).toEqual(good.map((m) => m.name));
      } finally {
        await conn.release();
      }
    } finally {
      await db.close();
    }
  });

  it("audit_log_indexes moves an employee's check-agains to the actor of its visits", async () => {
    // The migrations before it, an entry as the older code wrote it, then the rest.
    const dir = join(scratch, `before_audit_${kind}`);
    await cp(defaultMigrationsDir, dir, { recursive: true });
    for (const m of await readMigrations(dir)) {
      if (m.name >= "20261204011328_audit_log_indexes") await rm(join(dir, m.name), { recursive: true });
    }
    const db = await open();
    try {
      await db.migrate(dir);
      const employee = await db.prisma.employee.create({ data: { email: "ada@example.com" } });
      await db.prisma.auditEntry.createMany({
        data: [
          { actor: `employee:${employee.id}`, action: "employee.checkAgain", target: null },
          { actor: `employee:${employee.id}`, action: "settings.update", target: null },
        ],
      });
      await db.migrate();
      const entries = await db.prisma.auditEntry.findMany({ orderBy: { action: "asc" } });
      expect(entries.map((e) => [e.action, e.actor])).toEqual([
        ["employee.checkAgain", "employee:ada@example.com"],
        // Only the check-agains were written that way; nothing else is touched.
        ["settings.update", `employee:${employee.id}`],
      ]);
    } finally {
      await db.close();
    }
  });

  it("refuses to start when an applied migration was edited", async () => {
    const db = await open();
    try {
      await db.migrate();
      const dir = join(scratch, `edited_${kind}`);
      await cp(defaultMigrationsDir, dir, { recursive: true });
      const first = (await readMigrations(dir))[0];
      if (!first) throw new Error("no migrations");
      await writeFile(join(dir, first.name, "migration.sql"), `${first.sql}\n-- edited\n`);
      await expect(db.migrate(dir)).rejects.toThrow(/was changed after it was applied/);
    } finally {
      await db.close();
    }
  });
});

describe("concurrent deploys on one PostgreSQL database", () => {
  it("apply each migration exactly once", async () => {
    const pgdb = await createTestPostgresDatabase();
    const instances = await Promise.all([1, 2, 3].map(() => openDatabase({ databaseUrl: pgdb.url, poolSize: 2 })));
    try {
      const results = await Promise.all(instances.map((db) => db.migrate()));
      const migrations = await readMigrations();
      const appliedNames = results.flatMap((r) => r.applied).sort();
      expect(appliedNames).toEqual(migrations.map((m) => m.name));
      const [first] = instances;
      if (!first) throw new Error("no instance");
      const conn = await first.connect();
      try {
        const rows = await conn.query<{ migration_name: string; n: string }>(
          `SELECT migration_name, count(*)::text AS n FROM "_prisma_migrations" GROUP BY migration_name`,
        );
        expect(rows).toHaveLength(migrations.length);
        for (const row of rows) expect(row.n).toBe("1");
      } finally {
        await conn.release();
      }
    } finally {
      await Promise.all(instances.map((db) => db.close()));
      await pgdb.drop();
    }
  });
});

describe("bad database configuration", () => {
  it("an unreachable DATABASE_URL is one clear line", async () => {
    const error = await openDatabase({ databaseUrl: "postgresql://postgres@127.0.0.1:1/enrollwatch" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseSetupError);
    expect((error as Error).message).toBe(
      "Cannot reach PostgreSQL at postgresql://postgres@127.0.0.1:1/enrollwatch (ECONNREFUSED): start the server or fix DATABASE_URL.",
    );
  });

  it("a missing PostgreSQL database says so and hides the password", async () => {
    const error = await openDatabase({
      databaseUrl: "postgresql://postgres:secret@127.0.0.1:5432/enrollwatch_does_not_exist",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseSetupError);
    expect((error as Error).message).toMatch(/does not exist: create it/);
    expect((error as Error).message).not.toContain("secret");
  });

  it("an unwritable DATA_DIR is one clear line", async () => {
    const file = join(scratch, "a-file");
    await writeFile(file, "");
    const error = await openDatabase({ dataDir: join(file, "data") }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseSetupError);
    expect((error as Error).message).toMatch(/^DATA_DIR .* is not a writable directory \(ENOTDIR\)/);
  });
});
