export {
  type Database,
  type DatabaseKind,
  type DatabaseOptions,
  DEFAULT_DATA_DIR,
  openDatabase,
  openMigratedDatabase,
} from "./Database.ts";
export { DatabaseSetupError } from "./errors.ts";
export * from "./generated/prisma/client.ts";
export {
  applyMigrations,
  defaultMigrationsDir,
  type MigrateResult,
  type MigrationFile,
  readMigrations,
} from "./migrations/Migrator.ts";
export { isStale, PlannerStatistics } from "./PlannerStatistics.ts";
export type { SqlConnection } from "./SqlConnection.ts";
