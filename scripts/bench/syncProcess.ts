import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import inspector from "node:inspector/promises";
/**
 * The process whose time and memory the benchmark measures: a database, a FleetClient, a SyncRunner
 * wired as the server wires them, and the bare fetch-and-parse loop the sync is compared with, both
 * in this one process so they share the same HTTP stack, heap and CPU.
 */
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { type Database, openMigratedDatabase, type SqlConnection } from "../../packages/db/src/index.ts";
import { createTestPostgresDatabase } from "../../packages/db/src/testing.ts";
import { toHostRecord } from "../../packages/sync/src/fleet/FleetHostRecord.ts";
import { FleetHostListResponseSchema, parseListHostTimes } from "../../packages/sync/src/fleet/FleetSchemas.ts";
import { jsonTextFromUtf8 } from "../../packages/sync/src/fleet/JsonText.ts";
import {
  AlertEvaluator,
  FleetClient,
  SyncRunner,
  type SyncRunnerOptions,
  silentPublisher,
  UnenrollmentService,
  WebhookWorker,
} from "../../packages/sync/src/index.ts";
import type {
  AlertEvaluationOutcome,
  BareResult,
  BareTransport,
  DbKind,
  RssSample,
  SyncCommands,
  SyncOutcome,
  SyncPhases,
} from "./protocol.ts";
import { describe, serveCommands } from "./serve.ts";

type Logger = SyncRunnerOptions["logger"];

// pino is a dependency of packages/sync, not of the root (pnpm does not hoist it): resolve it
// the way packages/sync does. Typed as the runner's own Logger, which is pino's.
const requireFromSync = createRequire(new URL("../../packages/sync/package.json", import.meta.url));
const pino = requireFromSync("pino") as (options: { level: string }) => Logger;

interface Wired {
  db: Database;
  runner: SyncRunner;
  url: string;
  token: string;
  perPage: number;
  probe: PhaseProbe;
  alerts: AlertEvaluator;
  webhooks: WebhookWorker | null;
}

let wired: Wired | null = null;
/** Set as soon as there is something to release, even if "init" fails halfway. */
let release: (() => Promise<void>) | null = null;

/**
 * PGlite in a fresh temporary data directory (on disk, as the product runs it: an in-memory PGlite
 * alone takes ~800 MB of RSS), or a fresh PostgreSQL database dropped on close. Opened here rather than with
 * openTestDatabase so that the drop happens even when closing the pool hangs (a query in flight
 * when the parent gives up): DROP DATABASE … WITH (FORCE) ends any connection left.
 */
async function openBenchDatabase(kind: DbKind): Promise<Database> {
  if (kind === "pglite") {
    const dataDir = await mkdtemp(join(tmpdir(), "enrollwatch-bench-"));
    const db = await openMigratedDatabase({ dataDir });
    release = async () => {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    };
    return db;
  }
  const pgdb = await createTestPostgresDatabase();
  let db: Database | null = null;
  release = async () => {
    if (db) await Promise.race([db.close().catch(() => {}), delay(3_000)]);
    await pgdb.drop();
  };
  db = await openMigratedDatabase({ databaseUrl: pgdb.url, poolSize: 5 });
  return db;
}
/** The simulator's virtual now, set by each "sync" command: statuses depend on it. */
let simNow = 0;

function need(): Wired {
  if (!wired) throw new Error('"init" must come first');
  return wired;
}

function emptyPhases(): SyncPhases {
  return {
    beforeFetchMs: 0,
    fetchMs: 0,
    evaluateMs: 0,
    afterFetchMs: 0,
    pages: 0,
    detailRequests: 0,
    detailLatencySumMs: 0,
    sql: { loadStatesMs: 0, devicesMs: 0, ownersMs: 0, eventsMs: 0, otherMs: 0 },
    transactionsMs: 0,
    transactions: 0,
  };
}

/**
 * Times the phases of a sync from the outside: the runner is not edited, its collaborators are
 * wrapped (listHostPages, getHost, raw connections). The wrappers cost a timestamp per page and per
 * statement, nothing per host.
 */
class PhaseProbe {
  phases = emptyPhases();
  runStart = 0;
  fetchEnd = 0;

  reset(): void {
    this.phases = emptyPhases();
    this.runStart = performance.now();
    this.fetchEnd = 0;
  }

  wrapClient(fleet: FleetClient): void {
    const listHostPages = fleet.listHostPages.bind(fleet);
    fleet.listHostPages = (signal) => this.timePages(listHostPages(signal));
    const getHost = fleet.getHost.bind(fleet);
    fleet.getHost = async (id, signal) => {
      const started = performance.now();
      try {
        return await getHost(id, signal);
      } finally {
        this.phases.detailRequests++;
        this.phases.detailLatencySumMs += performance.now() - started;
      }
    };
  }

  wrapDatabase(db: Database): void {
    const connect = db.connect.bind(db);
    db.connect = async () => this.timeConnection(await connect());
  }

  finish(): SyncPhases {
    const end = performance.now();
    this.phases.afterFetchMs = this.fetchEnd === 0 ? 0 : end - this.fetchEnd;
    return this.phases;
  }

  private async *timePages<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
    let mark = performance.now();
    this.phases.beforeFetchMs = mark - this.runStart;
    for await (const page of source) {
      const got = performance.now();
      this.phases.fetchMs += got - mark;
      this.phases.pages++;
      yield page;
      mark = performance.now();
      this.phases.evaluateMs += mark - got;
    }
    this.fetchEnd = performance.now();
    this.phases.fetchMs += this.fetchEnd - mark;
  }

  private timeConnection(conn: SqlConnection): SqlConnection {
    // The sync's write transaction on PostgreSQL is opened and closed by plain statements.
    let begun: number | null = null;
    return {
      query: async (text, params) => {
        const started = performance.now();
        if (text === "BEGIN") begun = started;
        try {
          return await conn.query(text, params);
        } finally {
          const ended = performance.now();
          this.phases.sql[sqlKind(text)] += ended - started;
          if ((text === "COMMIT" || text === "ROLLBACK") && begun !== null) {
            this.phases.transactions++;
            this.phases.transactionsMs += ended - begun;
            begun = null;
          }
        }
      },
      exec: (script) => conn.exec(script),
      transaction: async (work) => {
        const started = performance.now();
        try {
          return await conn.transaction((tx) => work(this.timeConnection(tx)));
        } finally {
          this.phases.transactions++;
          this.phases.transactionsMs += performance.now() - started;
        }
      },
      release: () => conn.release(),
    };
  }
}

function sqlKind(text: string): keyof SyncPhases["sql"] {
  const head = text.trimStart().slice(0, 40);
  // DeviceStore counts its upserts through a CTE: `WITH upserted AS (INSERT INTO "Device" ...`.
  if (head.startsWith('INSERT INTO "Device"') || /^WITH upserted AS \(\s*INSERT INTO "Device"/.test(text.trimStart())) {
    return "devicesMs";
  }
  if (head.startsWith('INSERT INTO "Employee"')) return "ownersMs";
  if (
    head.startsWith('INSERT INTO "StatusEvent"') ||
    /^WITH inserted AS \(\s*INSERT INTO "StatusEvent"/.test(text.trimStart())
  ) {
    return "eventsMs";
  }
  if (head.startsWith("SELECT json_agg(") && text.includes('FROM "Device"')) return "loadStatesMs";
  return "otherMs";
}

/**
 * What the sync is compared with: the same list requests FleetClient sends (same URL, headers,
 * id cursor, page size), each body read with response.text() and JSON.parse'd, nothing else. With
 * `validate` it reads bodies as the client does (jsonTextFromUtf8) and also runs the client's zod
 * schema, time parsing and toHostRecord, to split the sync's overhead into its parts.
 */
async function bareLoop(w: Wired, validate: boolean, transport: BareTransport = "fetch"): Promise<BareResult> {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  let after = 0;
  let pages = 0;
  let hosts = 0;
  let bytes = 0;
  let parseMs = 0;
  let validateMs = 0;
  for (;;) {
    const query = new URLSearchParams({
      page: "0",
      per_page: String(w.perPage),
      order_key: "id",
      order_direction: "asc",
      after: String(after),
      device_mapping: "true",
    });
    const url = `${w.url}/api/v1/fleet/hosts?${query}`;
    let raw: Uint8Array | null = null;
    let text: string;
    if (transport === "http") {
      const reply = await httpGet(url, w.token);
      if (reply.status !== 200) throw new Error(`bare loop: HTTP ${reply.status} after host ${after}`);
      raw = reply.body;
      text = validate ? jsonTextFromUtf8(raw) : reply.body.toString("utf8");
    } else {
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${w.token}`, accept: "application/json" },
      });
      // The bare loop reads bodies the canonical way; in `validate` mode it reads them as FleetClient does.
      raw = validate ? new Uint8Array(await response.arrayBuffer()) : null;
      text = raw ? jsonTextFromUtf8(raw) : await response.text();
      if (!response.ok) throw new Error(`bare loop: HTTP ${response.status} after host ${after}`);
    }
    bytes += raw ? raw.byteLength : Buffer.byteLength(text);
    pages++;
    const parseStart = performance.now();
    const body: unknown = JSON.parse(text);
    parseMs += performance.now() - parseStart;
    let ids: number[];
    if (validate) {
      const validateStart = performance.now();
      const hosts = parseListHostTimes(FleetHostListResponseSchema.parse(body).hosts);
      ids = hosts.map((h) => toHostRecord(h).fleetHostId);
      validateMs += performance.now() - validateStart;
    } else {
      ids = listIds(body);
    }
    if (ids.length === 0) break;
    hosts += ids.length;
    after = ids[ids.length - 1] ?? after;
    if (ids.length < w.perPage) break;
  }
  const cpu = process.cpuUsage(cpuStart);
  return {
    ms: performance.now() - started,
    cpuMs: (cpu.user + cpu.system) / 1000,
    parseMs,
    validateMs,
    pages,
    hosts,
    bytes,
  };
}

const bareAgent = new http.Agent({ keepAlive: true });

/** A GET and its whole body over node:http, kept alive: the bare loop on FleetClient's transport. */
function httpGet(url: string, token: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      url,
      { agent: bareAgent, headers: { authorization: `Bearer ${token}`, accept: "application/json" } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
        response.on("error", reject);
      },
    );
    request.on("error", reject);
  });
}

/** The ids of a list page, checked only as far as paging needs. */
function listIds(body: unknown): number[] {
  const hosts = typeof body === "object" && body !== null ? (body as { hosts?: unknown }).hosts : undefined;
  if (!Array.isArray(hosts)) throw new Error("bare loop: response has no hosts array");
  return hosts.map((h: unknown) => {
    const id = typeof h === "object" && h !== null ? (h as { id?: unknown }).id : undefined;
    if (typeof id !== "number") throw new Error("bare loop: host without a numeric id");
    return id;
  });
}

/**
 * Diagnosis: with BENCH_SYNC_CPU_PROFILE_DIR set, each sync (not the bare loops around it) is
 * profiled on its own and written as sync-<n>.cpuprofile, for Chrome's DevTools or speedscope. A
 * whole-process --cpu-prof would mix the full sync, the re-sync and the bare loops in one profile.
 */
let profiledSyncs = 0;
async function startCpuProfile(): Promise<{ stop: () => Promise<void> } | null> {
  const dir = process.env.BENCH_SYNC_CPU_PROFILE_DIR;
  if (!dir) return null;
  const session = new inspector.Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  const file = join(dir, `sync-${++profiledSyncs}.cpuprofile`);
  return {
    stop: async () => {
      const { profile } = await session.post("Profiler.stop");
      await mkdir(dir, { recursive: true });
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

let sampledPeak = 0;
function sampleRss(): void {
  sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
}
setInterval(sampleRss, 20).unref();

function rss(): RssSample {
  sampleRss();
  const memory = process.memoryUsage();
  const peak = sampledPeak;
  sampledPeak = 0;
  return {
    maxRssKb: process.resourceUsage().maxRSS,
    rssBytes: memory.rss,
    sampledPeakBytes: peak,
    heapUsedBytes: memory.heapUsed,
    externalBytes: memory.external,
  };
}

async function evaluate(w: Wired): Promise<AlertEvaluationOutcome> {
  const startedAt = Date.now();
  const started = performance.now();
  const result = await w.alerts.evaluate();
  const ms = performance.now() - started;
  const liveAlerts = await w.db.prisma.alert.count({ where: { state: { not: "RESOLVED" } } });
  return { ms, opened: result.opened, resolved: result.resolved, deliveries: result.deliveries, startedAt, liveAlerts };
}

async function main(): Promise<void> {
  await serveCommands<SyncCommands, Record<string, never>>({
    name: "sync",
    ready: {},
    handlers: {
      init: async ({ url, token, db, perPage }) => {
        if (wired) throw new Error("already initialised");
        const started = performance.now();
        const database = await openBenchDatabase(db);
        const probe = new PhaseProbe();
        probe.wrapDatabase(database);
        const fleet = new FleetClient({ baseUrl: url, token, perPage });
        probe.wrapClient(fleet);
        const now = () => new Date(simNow);
        const unenrollment = new UnenrollmentService({
          db: database,
          fleet,
          publisher: silentPublisher,
          links: {},
          now,
        });
        const runner = new SyncRunner({
          db: database,
          fleet,
          publisher: silentPublisher,
          unenrollment,
          logger: pino({ level: "silent" }),
          now,
        });
        const alerts = new AlertEvaluator({
          db: database,
          publisher: silentPublisher,
          logger: pino({ level: "silent" }),
          links: {},
          dashboardUrl: () => "http://localhost:4000",
          intervalMs: 0,
          now,
          onQueued: ({ deliveries }) => {
            if (deliveries > 0) wired?.webhooks?.poke();
          },
        });
        wired = { db: database, runner, url, token, perPage, probe, alerts, webhooks: null };
        return { setupMs: performance.now() - started, location: database.location };
      },
      bare: ({ validate, transport }) => bareLoop(need(), validate, transport),
      sync: async ({ now }): Promise<SyncOutcome> => {
        const w = need();
        simNow = now;
        w.probe.reset();
        const profiling = await startCpuProfile();
        const started = performance.now();
        const cpuStart = process.cpuUsage();
        const result = await w.runner.run("benchmark");
        const ms = performance.now() - started;
        const cpu = process.cpuUsage(cpuStart);
        await profiling?.stop();
        return {
          ms,
          cpuMs: (cpu.user + cpu.system) / 1000,
          state: result.state,
          hostsSeen: result.hostsSeen,
          devicesWritten: result.devicesWritten,
          transitions: result.transitions,
          error: result.error,
          phases: w.probe.finish(),
        };
      },
      rss: async () => rss(),
      seedAlertRules: async () => ({ seeded: await need().alerts.seedDefaultRules() }),
      evaluateAlerts: async ({ now }) => {
        simNow = now;
        return evaluate(need());
      },
      addAlertRule: async ({ name, statuses, now }) => {
        const w = need();
        simNow = now;
        await w.db.withConnection((conn) =>
          conn.query(
            `INSERT INTO "AlertRule" (id, name, severity, statuses, "updatedAt")
             VALUES (gen_random_uuid(), $1, 'HIGH', $2::text[]::"EnrollmentStatus"[], now())`,
            [name, statuses],
          ),
        );
        return evaluate(w);
      },
      addWebhooks: async ({ urls, timeoutMs }) => {
        const w = need();
        const ids: string[] = [];
        for (const [i, url] of urls.entries()) {
          const hook = await w.db.prisma.webhook.create({
            data: {
              name: `bench ${i}`,
              url,
              secret: `bench-secret-${i}`,
              events: ["OPENED", "ACKNOWLEDGED", "RESOLVED"],
            },
          });
          ids.push(hook.id);
        }
        w.webhooks ??= new WebhookWorker({
          db: w.db,
          logger: pino({ level: "silent" }),
          allowPrivate: true,
          timeoutMs,
          pollMs: 500,
        });
        w.webhooks.start();
        return { ids };
      },
      webhookStates: async () => {
        const groups = await need().db.prisma.webhookDelivery.groupBy({ by: ["state"], _count: { _all: true } });
        return Object.fromEntries(groups.map((g) => [g.state, g._count._all]));
      },
    },
    async cleanup() {
      await wired?.webhooks?.stop();
      wired = null;
      const r = release;
      release = null;
      // Drops the PostgreSQL database (or frees the in-memory PGlite).
      await r?.();
    },
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`sync: ${describe(error)}\n`);
  process.exit(1);
});
