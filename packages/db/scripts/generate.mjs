// Runs `prisma generate` offline: Prisma's CLI insists the schema engine binary exists even though
// generation never calls it, so point it at a script that refuses loudly (see toolchain-notes.md).
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, "..");
const schema = join(pkg, "..", "..", "prisma", "schema.prisma");
const result = spawnSync(join(pkg, "node_modules", ".bin", "prisma"), ["generate", "--schema", schema], {
  cwd: pkg,
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: join(here, "no-schema-engine.sh"),
    CHECKPOINT_DISABLE: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  },
});
process.exit(result.status ?? 1);
