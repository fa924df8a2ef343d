import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          include: ["packages/*/test/**/*.test.ts", "apps/server/test/**/*.test.ts", "apps/web/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
          globalSetup: ["apps/server/test/serverBundle.ts"],
        },
      },
      {
        // Stops the machine's PostgreSQL: run on its own, after the rest (`pnpm test:faults`).
        test: {
          name: "faults",
          include: ["apps/server/fault-tests/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      // The dashboard's component tests run in jsdom with Solid's compiler (apps/web/vitest.config.ts).
      "apps/web/vitest.config.ts",
    ],
    // Suites start real servers, databases and browsers: two at a time on a 2-core box.
    maxWorkers: 2,
  },
});
