import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestPostgresDatabase } from "@enrollwatch/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/buildApp.ts";
import { ConfigError, loadConfig } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

/** Runs the real entry point the README's start command runs, with the given environment. */
// Generous: the entry point compiles the whole server with tsx, which takes ~10 s on a 2-core
// machine when the rest of the suite runs beside it.
function runServer(env: Record<string, string>, waitFor: RegExp | "exit", timeoutMs = 45_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", main], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", ...env },
    });
    let stdout = "";
    let stderr = "";
    let signalled = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not ${waitFor === "exit" ? "exit" : `print ${waitFor}`}:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
      if (!signalled && waitFor !== "exit" && waitFor.test(stdout)) {
        signalled = true;
        child.kill("SIGTERM");
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("configuration", () => {
  it("has the documented defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 4000, HOST: "127.0.0.1", DATA_DIR: "./data", DEMO_HOSTS: 500 });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.FLEET_URL).toBeUndefined();
  });

  it("reports every bad variable on its own line", () => {
    const error = (() => {
      try {
        loadConfig({ PORT: "eighty", DATABASE_URL: "mysql://x", FLEET_URL: "https://fleet.example.com" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PORT must be a number (got "eighty")',
      "DATABASE_URL must be a postgresql:// connection string (unset it to use embedded PGlite)",
      "FLEET_API_TOKEN is required when FLEET_URL is set",
    ]);
  });
});

describe("start-up", { timeout: 60_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "enrollwatch-start-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("migrates the embedded database and serves health checks", async () => {
    const config = loadConfig({ PORT: "0", DATA_DIR: join(dir, "data") });
    const app = await buildApp(config, createLogger("silent"));
    try {
      const { url } = await app.start();
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: "ok" });
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: "ready", database: "pglite" });
      expect(await app.db.prisma.device.count()).toBe(0);
    } finally {
      await app.stop();
    }
  });

  it("starts on PostgreSQL when DATABASE_URL is set", async () => {
    const pgdb = await createTestPostgresDatabase();
    try {
      const app = await buildApp(loadConfig({ PORT: "0", DATABASE_URL: pgdb.url }), createLogger("silent"));
      try {
        const { url } = await app.start();
        expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: "ready", database: "postgres" });
      } finally {
        await app.stop();
      }
    } finally {
      await pgdb.drop();
    }
  });

  it("the real entry point starts, then stops cleanly on SIGTERM", async () => {
    const result = await runServer({ PORT: "0", DATA_DIR: join(dir, "entry") }, /"msg":"listening"/);
    expect(result.stdout).toContain('"msg":"database ready"');
    expect(result.code).toBe(0);
  });

  it("exits non-zero with one clear line when PostgreSQL is unreachable", async () => {
    const result = await runServer({ DATABASE_URL: "postgresql://postgres@127.0.0.1:1/enrollwatch" }, "exit");
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      "enrollwatch: Cannot reach PostgreSQL at postgresql://postgres@127.0.0.1:1/enrollwatch (ECONNREFUSED): start the server or fix DATABASE_URL.",
    );
  });

  it("exits non-zero with one line per bad variable", async () => {
    const result = await runServer({ PORT: "70000", DEMO_HOSTS: "5" }, "exit");
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([
      'enrollwatch: PORT must be between 0 and 65535 (got "70000")',
      'enrollwatch: DEMO_HOSTS must be between 10 and 100000 (got "5")',
    ]);
  });

  it("exits non-zero when DATA_DIR cannot be written", async () => {
    // A path below a regular file can never be created, whoever runs the test (even root).
    const file = join(dir, "not-a-dir");
    await writeFile(file, "");
    const result = await runServer({ DATA_DIR: join(file, "data") }, "exit");
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^enrollwatch: DATA_DIR .*not-a-dir\/data is not a writable directory \(ENOTDIR\)/,
    );
  });
});
