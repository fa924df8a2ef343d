import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { defaultMigrationsDir, readMigrations } from "./Migrator.ts";

export const defaultSchemaPath = fileURLToPath(new URL("../../../../prisma/schema.prisma", import.meta.url));

const EMPTY_MIGRATION = "-- This is an empty migration.";

interface DiffTarget {
  tag: "schemaDatasource" | "schemaDatamodel";
  files: { path: string; content: string }[];
  configDir?: string;
}
interface SchemaEngine {
  diff(params: {
    from: DiffTarget;
    to: DiffTarget;
    script: boolean;
    exitCode: boolean | null;
    filters: { externalTables: string[]; externalEnums: string[] };
  }): Promise<{ exitCode: number; stdout: string | null }>;
  free(): void;
}
type WasmExports = Record<string, unknown>;
/** Node has WebAssembly; @types/node 20 just does not declare it. */
const { WebAssembly: Wasm } = globalThis as unknown as {
  WebAssembly: {
    instantiate(bytes: Uint8Array, imports: Record<string, object>): Promise<{ instance: { exports: WasmExports } }>;
  };
};
interface SchemaEngineGlue {
  __wbg_set_wasm(exports: WasmExports): void;
  SchemaEngine: {
    new: (
      options: { datamodels: [string, string][] },
      log: (line: string) => void,
      adapter: object,
    ) => Promise<SchemaEngine>;
  };
}

/**
 * Loads Prisma's WebAssembly schema engine. Its package `exports` hide the files we need, so they are
 * imported by path and the module is wired by hand, as wasm-bindgen's own loader would.
 */
let glueLoaded: Promise<SchemaEngineGlue> | undefined;
// The glue module caches views of the instance's memory: instantiate once per process.
function loadSchemaEngineGlue(): Promise<SchemaEngineGlue> {
  glueLoaded ??= instantiateSchemaEngineGlue();
  return glueLoaded;
}

async function instantiateSchemaEngineGlue(): Promise<SchemaEngineGlue> {
  const entry = fileURLToPath(import.meta.resolve("@prisma/schema-engine-wasm"));
  const dir = dirname(entry);
  const glue = (await import(pathToFileURL(join(dir, "schema_engine_bg.js")).href)) as SchemaEngineGlue;
  const bytes = await readFile(join(dir, "schema_engine_bg.wasm"));
  const { instance } = await Wasm.instantiate(bytes, { "./schema_engine_bg.js": glue });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return glue;
}

/**
 * The SQL that takes a database built from the committed migrations to what schema.prisma
 * describes; an empty string when they agree. Used both to write a new migration and as the drift
 * check. Replays every migration on a throw-away in-memory PGlite, so no shadow database is needed.
 */
export async function diffSchemaAgainstMigrations(
  schemaPath: string = defaultSchemaPath,
  migrationsDir: string = defaultMigrationsDir,
): Promise<string> {
  const content = await readFile(schemaPath, "utf8");
  const migrations = await readMigrations(migrationsDir);
  // The same extensions as the embedded database (Database.ts), so the migrations replay here too.
  const pglite = await PGlite.create({ extensions: { pg_trgm } });
  try {
    for (const migration of migrations) await pglite.exec(migration.sql);
    const glue = await loadSchemaEngineGlue();
    const engine = await glue.SchemaEngine.new(
      { datamodels: [[schemaPath, content]] },
      () => {},
      bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(pglite)),
    );
    try {
      const files = [{ path: schemaPath, content }];
      const result = await engine.diff({
        from: { tag: "schemaDatasource", files, configDir: dirname(schemaPath) },
        to: { tag: "schemaDatamodel", files },
        script: true,
        exitCode: null,
        filters: { externalTables: [], externalEnums: [] },
      });
      const sql = (result.stdout ?? "").trim();
      return sql === EMPTY_MIGRATION || sql === "" ? "" : `${sql}\n`;
    } finally {
      engine.free();
    }
  } finally {
    await pglite.close();
  }
}
