// `pnpm db:migrate:deploy`: applies pending migrations to DATABASE_URL, or to the embedded database
// in DATA_DIR when DATABASE_URL is unset. The server does the same at start-up.
import { DatabaseSetupError, openDatabase } from "../src/index.ts";

try {
  const db = await openDatabase({
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: process.env.DATA_DIR || undefined,
  });
  try {
    const result = await db.migrate();
    console.log(
      `${db.location}: applied ${result.applied.length} migration(s), ${result.alreadyApplied} already applied.`,
    );
  } finally {
    await db.close();
  }
} catch (error) {
  console.error(error instanceof DatabaseSetupError ? error.message : error);
  process.exit(1);
}
