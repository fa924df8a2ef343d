import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestPostgresDatabase } from "@enrollwatch/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/buildApp.ts";
import { ConfigError, loadConfig } from "../src/config.ts";
import { createLogger } from "../src/logger.ts";
import { SERVER_NODE_FLAGS } from "../src/runtime/NodeFlags.ts";
import { SERVER_COMMAND } from "./serverBundle.ts";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

/**
 * Runs the real entry point as the README's start command runs it (the bundle, under plain node),
 * with the given environment. With a pattern, `whileUp` runs once stdout matches it, then the
 * server gets SIGTERM.
 */
function runServer(
  env: Record<string, string>,
  waitFor: RegExp | "exit",
  whileUp: (stdout: string) => Promise<void> = async () => {},
  timeoutMs = 45_000,
) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const [node, ...args] = SERVER_COMMAND;
    const child = spawn(node, args, {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", ...env },
    });
    let stdout = "";
    let stderr = "";
    let signalled = false;
    let failure: unknown = null;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not ${waitFor === "exit" ? "exit" : `print ${waitFor}`}:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
      if (!signalled && waitFor !== "exit" && waitFor.test(stdout)) {
        signalled = true;
        whileUp(stdout)
          .catch((error: unknown) => {
            failure = error;
          })
          .finally(() => child.kill("SIGTERM"));
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (failure) reject(failure);
      else resolve({ code, stdout, stderr });
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
        loadConfig({
          PORT: "eighty",
          DATABASE_URL: "mysql://x",
          FLEET_URL: "https://fleet.example.com",
          SECRETS_KEY_PREVIOUS: Buffer.alloc(32, 1).toString("base64"),
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PORT must be a number (got "eighty")',
      "DATABASE_URL must be a postgresql:// connection string (unset it to use embedded PGlite)",
      "FLEET_API_TOKEN is required when FLEET_URL is set",
      "SECRETS_KEY is required when SECRETS_KEY_PREVIOUS is set",
    ]);
    // A key is never echoed back.
    expect(() => loadConfig({ SECRETS_KEY: "hunter2-too-short" })).toThrow(
      /^SECRETS_KEY must be 32 bytes as base64 or 64 hex digits \(openssl rand -base64 32\)$/,
    );
  });
});

describe("the start commands", () => {
  it("run the bundle with the server's node flags", async () => {
    const root = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as { scripts: { serve: string } };
    const server = JSON.parse(await readFile(join(repoRoot, "apps/server/package.json"), "utf8")) as {
      scripts: { start: string };
    };
    const flags = SERVER_NODE_FLAGS.join(" ");
    expect(root.scripts.serve).toMatch(new RegExp(`&& node ${flags} apps/server/dist/main\\.mjs$`));
    expect(server.scripts.start).toBe(`node ${flags} dist/main.mjs`);
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

  it("the bundled server syncs its demo fleet and answers GraphQL, subscriptions and the dashboard", async () => {
    const token = "bundle-test-admin-token";
    const result = await runServer(
      { PORT: "0", DATA_DIR: join(dir, "bundle"), DEMO_HOSTS: "40", ADMIN_TOKEN: token },
      /"msg":"sync finished"/,
      async (stdout) => {
        const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)","msg":"listening"/.exec(stdout)?.[1];
        if (!url) throw new Error(`no listening URL in:\n${stdout}`);
        const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
        const query = "{ devices(first: 5) { totalCount edges { node { name status problems { status } } } } }";
        const reply = await fetch(`${url}/graphql`, { method: "POST", headers, body: JSON.stringify({ query }) });
        const body = (await reply.json()) as { data?: { devices: { totalCount: number; edges: unknown[] } } };
        expect(body.data?.devices.totalCount).toBe(40);
        expect(body.data?.devices.edges).toHaveLength(5);
        // An expected error keeps its message (an unexpected one is masked): error classes and
        // graphql's own instanceof checks work across the bundle and the packages it imports.
        const bad = await fetch(`${url}/graphql`, {
          method: "POST",
          headers,
          body: JSON.stringify({ query: '{ statusEvents(afterSeq: "x") { seq } }' }),
        });
        expect(((await bad.json()) as { errors?: { message: string }[] }).errors?.[0]?.message).toBe(
          "afterSeq must be a status event seq: a non-negative integer as a string",
        );
        // A subscription over SSE: its first message (the current summary) proves graphql's
        // subscribe runs in the bundle on the same graphql instance as the schema.
        const sse = await fetch(`${url}/graphql`, {
          method: "POST",
          headers: { ...headers, accept: "text/event-stream" },
          body: JSON.stringify({ query: "subscription { statusSummary { total } }" }),
        });
        const reader = sse.body?.getReader();
        let text = "";
        while (reader && !text.includes('"total"')) {
          const chunk = await reader.read();
          if (chunk.done) break;
          text += new TextDecoder().decode(chunk.value);
        }
        await reader?.cancel();
        expect(text).toContain('{"data":{"statusSummary":{"total":40}}}');
        const page = await fetch(`${url}/`);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain("<title>");
      },
    );
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
