/**
 * The real Enrollwatch server (bundled from apps/server/src/main.ts and run as `pnpm serve` runs
 * it) as a child process of the bench, on a free loopback port and a database of its own (a fresh PostgreSQL database, dropped on
 * dispose, or PGlite in a temporary DATA_DIR, removed on dispose), plus a keep-alive HTTP client
 * for its GraphQL endpoint and its memory figures from /proc.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serverTimingTotal } from "../../apps/server/src/http/ServerTiming.ts";
import { SERVER_NODE_FLAGS } from "../../apps/server/src/runtime/NodeFlags.ts";
import { createTestPostgresDatabase, type TestPostgresDatabase } from "../../packages/db/src/testing.ts";
import { bundled, ChildFailedError, trackProcess } from "./children.ts";
import type { DbKind } from "./protocol.ts";
import { BenchFailure } from "./scenario.ts";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HOST = "127.0.0.1";
/** Server output lines copied to our stderr before the rest is only counted (4408 warnings can be many). */
const FORWARDED_LINES = 40;

export interface ServerStartOptions {
  name: string;
  db: DbKind;
  hosts: number;
  redisUrl?: string;
  /**
   * A Fleet (the simulator in its own process) for the server to sync from, as in production.
   * Without it the server runs its built-in demo simulator in-process.
   */
  fleet?: { url: string; token: string };
  /** Node flags for the server only (diagnosis: --cpu-prof, --max-old-space-size...). */
  nodeFlags: string[];
  readyTimeoutMs: number;
  progress(message: string): void;
}

export interface ProcMemory {
  /** VmRSS: resident now. */
  rssKb: number;
  /** VmHWM: the highest resident set so far. */
  hwmKb: number;
}

export interface GraphQLReply<T> {
  data: T;
  /** Request written to last byte of the response read, over a kept-alive loopback connection. */
  ms: number;
  /** The server's own time for it, from its Server-Timing header (request handled to response ready). */
  serverMs: number;
}

/** Where the server's data lives: what the bench opens itself for a baseline. */
export type ServerDatabase = { kind: "postgres"; url: string } | { kind: "pglite"; dataDir: string };

export class ServerChild {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly exited: Promise<void>;
  private exitReason: string | null = null;
  private readonly tail: string[] = [];
  private forwarded = 0;
  private disposed: Promise<void> | undefined;
  /** Lines the server logged that contained "too slow" (graphql-ws consumers cut off, close 4408). */
  tooSlowWarnings = 0;
  /** Every line the server wrote, beyond those forwarded. */
  suppressedLines = 0;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly port: number,
    readonly token: string,
    readonly database: ServerDatabase,
    private readonly release: () => Promise<void>,
  ) {
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitReason = signal ? `killed by ${signal}` : `exited with code ${code}`;
        resolve();
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      let partial = "";
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) this.onLine(line);
      });
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get url(): string {
    return `http://${HOST}:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://${HOST}:${this.port}/graphql`;
  }

  static async start(options: ServerStartOptions): Promise<ServerChild> {
    const token = `bench-admin-${randomBytes(12).toString("hex")}`;
    let database: ServerDatabase;
    let release: () => Promise<void>;
    if (options.db === "postgres") {
      const pgdb: TestPostgresDatabase = await createTestPostgresDatabase();
      database = { kind: "postgres", url: pgdb.url };
      release = () => pgdb.drop();
    } else {
      const dataDir = await mkdtemp(join(tmpdir(), "enrollwatch-bench-server-"));
      database = { kind: "pglite", dataDir };
      release = () => rm(dataDir, { recursive: true, force: true });
    }
    let server: ServerChild | undefined;
    try {
      const port = await freePort();
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        NODE_ENV: "production",
        HOST,
        PORT: String(port),
        ADMIN_TOKEN: token,
        DEMO_HOSTS: String(options.hosts),
        DEMO_TIME_SCALE: "1",
        SYNC_ON_START: "false",
        RATE_LIMIT_PER_MINUTE: "1000000",
        LOG_LEVEL: "warn",
      };
      for (const key of ["DATABASE_URL", "DATA_DIR", "REDIS_URL", "FLEET_URL", "FLEET_API_TOKEN", "ALLOWED_ORIGINS"]) {
        delete env[key];
      }
      if (database.kind === "postgres") env.DATABASE_URL = database.url;
      else env.DATA_DIR = database.dataDir;
      if (options.redisUrl) env.REDIS_URL = options.redisUrl;
      if (options.fleet) {
        env.FLEET_URL = options.fleet.url;
        env.FLEET_API_TOKEN = options.fleet.token;
      }
      const main = await bundled("apps/server/src/main.ts");
      const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...options.nodeFlags, main], {
        cwd: REPO_ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      server = new ServerChild(options.name, child, port, token, database, release);
      const s = server;
      trackProcess(child, (graceMs) => s.dispose(graceMs));
      await s.waitReady(options.readyTimeoutMs);
      return s;
    } catch (error) {
      if (server) await server.dispose(5_000);
      else await release().catch(() => {});
      throw error;
    }
  }

  /** POSTs one GraphQL operation; throws on HTTP or GraphQL errors (a benchmark of failures is worthless). */
  async graphql<T>(query: string, variables?: Record<string, unknown>, timeoutMs = 30_000): Promise<GraphQLReply<T>> {
    const body = JSON.stringify(variables ? { query, variables } : { query });
    const started = performance.now();
    const { status, text, serverTiming } = await this.post("/graphql", body, timeoutMs);
    const ms = performance.now() - started;
    let parsed: { data?: T; errors?: unknown[] };
    try {
      parsed = JSON.parse(text) as { data?: T; errors?: unknown[] };
    } catch {
      throw new BenchFailure(`${this.name}: HTTP ${status}, not JSON: ${text.slice(0, 300)}`);
    }
    if (status !== 200 || parsed.errors?.length || parsed.data === undefined) {
      throw new BenchFailure(`${this.name}: GraphQL request failed (HTTP ${status}): ${text.slice(0, 500)}`);
    }
    const serverMs = serverTimingTotal(serverTiming);
    if (serverMs === null) throw new BenchFailure(`${this.name}: no Server-Timing total in "${serverTiming}"`);
    return { data: parsed.data, ms, serverMs };
  }

  async memory(): Promise<ProcMemory> {
    const status = await readFile(`/proc/${this.pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1] ?? Number.NaN);
    return { rssKb: kb("VmRSS"), hwmKb: kb("VmHWM") };
  }

  /** Stops the process only (SIGTERM, then SIGKILL after graceMs); the database stays for a baseline. */
  async stopProcess(graceMs: number): Promise<void> {
    this.agent.destroy();
    if (this.exitReason !== null) return;
    this.child.kill("SIGTERM");
    const exited = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref()),
    ]);
    if (!exited) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
  }

  /** Stops the process and drops its database (or removes its data directory); never throws. */
  dispose(graceMs = 10_000): Promise<void> {
    this.disposed ??= (async () => {
      await this.stopProcess(graceMs).catch(() => {});
      // A PostgreSQL restart under us ("the database system is shutting down") passes in seconds:
      // try again rather than leave the database behind.
      for (let attempt = 1; ; attempt++) {
        try {
          await this.release();
          break;
        } catch (error) {
          if (attempt >= 4) {
            process.stderr.write(`${this.name}: could not release its database: ${String(error)}\n`);
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 2_000 * attempt));
        }
      }
    })();
    return this.disposed;
  }

  /** Throws when the server died (called between steps, so a crash is reported as such). */
  assertAlive(): void {
    if (this.exitReason !== null) throw new ChildFailedError(`${this.name} ${this.exitReason}${this.lastLines()}`);
  }

  private lastLines(): string {
    return this.tail.length > 0 ? `; last output:\n  ${this.tail.join("\n  ")}` : "";
  }

  private onLine(line: string): void {
    if (line.trim() === "") return;
    if (line.includes("too slow")) this.tooSlowWarnings++;
    this.tail.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
    if (this.tail.length > 15) this.tail.shift();
    if (this.forwarded < FORWARDED_LINES) {
      this.forwarded++;
      process.stderr.write(`[${this.name}] ${line}\n`);
      if (this.forwarded === FORWARDED_LINES)
        process.stderr.write(`[${this.name}] (further output counted, not shown)\n`);
    } else {
      this.suppressedLines++;
    }
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.exitReason !== null) {
        throw new ChildFailedError(`${this.name} ${this.exitReason} before it was ready${this.lastLines()}`);
      }
      const status = await this.get("/readyz", 2_000).catch(() => 0);
      if (status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new ChildFailedError(
      `${this.name} was not ready within ${Math.round(timeoutMs / 1000)} s${this.lastLines()}`,
    );
  }

  private get(path: string, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.get({ host: HOST, port: this.port, path, timeout: timeoutMs }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", reject);
    });
  }

  private post(
    path: string,
    body: string,
    timeoutMs: number,
  ): Promise<{ status: number; text: string; serverTiming: string | null }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: HOST,
          port: this.port,
          path,
          method: "POST",
          agent: this.agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            accept: "application/graphql-response+json, application/json",
            authorization: `Bearer ${this.token}`,
            "x-enrollwatch-csrf": "1",
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            const timing = res.headers["server-timing"];
            resolve({
              status: res.statusCode ?? 0,
              text: Buffer.concat(chunks).toString("utf8"),
              serverTiming: Array.isArray(timing) ? timing.join(", ") : (timing ?? null),
            });
          });
          res.on("error", reject);
        },
      );
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on("close", () => clearTimeout(timer));
      req.on("error", reject);
      req.end(body);
    });
  }
}

/** A port nobody listens on right now (the server cannot report the one PORT=0 chose). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error("no port"))));
    });
  });
}

export const SYNC_NOW = `mutation { syncNow { __typename ... on MutationSyncNowSuccess { data { id state hostsSeen transitions } } ... on Error { message } } }`;

export interface SyncNowData {
  syncNow: {
    __typename: string;
    message?: string;
    data?: { id: string; state: string; hostsSeen: number; transitions: number };
  };
}

/** Runs `syncNow` once and checks that it saw the whole demo fleet. */
export async function syncOnce(server: ServerChild, hosts: number, timeoutMs: number): Promise<{ ms: number }> {
  const { data, ms } = await server.graphql<SyncNowData>(SYNC_NOW, undefined, timeoutMs);
  const run = data.syncNow.data;
  if (data.syncNow.__typename !== "MutationSyncNowSuccess" || !run) {
    throw new BenchFailure(`syncNow refused: ${data.syncNow.__typename} ${data.syncNow.message ?? ""}`);
  }
  if (run.state !== "SUCCEEDED" || run.hostsSeen !== hosts) {
    throw new BenchFailure(`syncNow: state ${run.state}, ${run.hostsSeen} hosts seen, expected ${hosts}`);
  }
  return { ms };
}
