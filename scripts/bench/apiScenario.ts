/**
 * Scenario `api`: the real server (child process) with the demo fleet synced once, then sequential
 * GraphQL requests over a kept-alive loopback connection, against the same SQL run directly on the
 * same database (the baseline: what the data costs without HTTP, GraphQL and Prisma).
 */
import os from "node:os";
import { openDatabase, type SqlConnection } from "../../packages/db/src/index.ts";
import { ChildHandle } from "./children.ts";
import { ClientPool, waitForDrain } from "./fanoutScenario.ts";
import type { SimCommands, SimReadyInfo } from "./protocol.ts";
import {
  type FigureRow,
  formatNumber,
  formatSummary,
  type Percentiles,
  percentiles,
  type Summary,
  summarize,
  type Table,
} from "./report.ts";
import { BenchFailure, type Scenario, type ScenarioContext } from "./scenario.ts";
import { type ProcMemory, ServerChild as Server, type ServerChild, syncOnce } from "./serverChild.ts";

const WARMUP = 50;
const SAMPLES = 1000;
const PAGE_SIZE = 50;
/** The devices query cycles through this many consecutive pages of the OFFLINE set (fewer if it is smaller). */
const MAX_PAGES = 40;
const DEVICES_P99_TARGET_MS = 15;
/** Live subscribers held while the server RSS with the whole fleet is measured. */
const SUBSCRIBERS = 1_000;
const SUMMARY_P99_TARGET_MS = 3;

const DEVICES_QUERY = `query BenchDevices($after: String) {
  devices(first: ${PAGE_SIZE}, after: $after, filter: { status: [OFFLINE] }) {
    totalCount
    pageInfo { endCursor hasNextPage }
    edges { node { name serial owner { email } status statusSince
      problems { status causes { code text likely } remediation { kind text } } } }
  }
}`;
const SUMMARY_QUERY = "{ statusSummary { total counts { status count } } }";
const FLOOR_QUERY = "{ __typename }";

interface DevicesData {
  devices: {
    totalCount: number;
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
    edges: { node: { name: string } }[];
  };
}

interface SummaryData {
  statusSummary: { total: number; counts: { status: string; count: number }[] };
}

/**
 * The baseline's SQL, what the API runs (no relation joins): the page of devices, after a cursor as
 * an index range past the position the cursor holds (its sort value and id, since 2026-12-04; the
 * API read the cursor device's value by id first before), then their owners by id (the API returns
 * owner.email), one after the other on one connection. No count: the
 * API answers a status-only filter's totalCount from the status summary it keeps in memory.
 */
const PAGE_SQL = `SELECT id, name, serial, status, "statusSince", problems, "ownerId" FROM "Device" WHERE status IN ('OFFLINE')`;
const FIRST_PAGE_SQL = `${PAGE_SQL} ORDER BY name, id LIMIT ${PAGE_SIZE + 1}`;
const NEXT_PAGE_SQL = `${PAGE_SQL} AND (name, id) > ($1, $2::uuid) ORDER BY name, id LIMIT ${PAGE_SIZE + 1}`;
const OWNERS_SQL = `SELECT id, email FROM "Employee" WHERE id = ANY($1::uuid[])`;
const COUNT_SQL = `SELECT count(*)::int AS n FROM "Device" WHERE status IN ('OFFLINE')`;
const SUMMARY_SQL = `SELECT status, count(*)::int AS n FROM "Device" GROUP BY status`;

/** Round trips as the bench client saw them, the server's own time (its Server-Timing header), and the baseline SQL. */
type Series =
  | "floor"
  | "devices"
  | "summary"
  | "floorServer"
  | "devicesServer"
  | "summaryServer"
  | "sqlDevices"
  | "sqlSummary";

export interface ApiRunRaw {
  run: number;
  db: string;
  syncMs: number;
  offlineDevices: number;
  pages: number;
  /** Percentiles (ms) per measured series. */
  latency: Record<Series, Percentiles>;
  /** atReady: before syncNow, with the built-in simulator's fleet already built in the same process. */
  memory: { atReady: ProcMemory; afterSync: ProcMemory; afterRequests: ProcMemory; withSubscribers: ProcMemory };
  /** The 1% re-sync delivered to every subscriber: transitions, and whether all arrived. */
  subscribers: { count: number; transitions: number; delivered: boolean };
  /** 1-minute load average when the server requests started and ended (others may share the machine). */
  loadAverage: { start: number; end: number };
  /** EXPLAIN (ANALYZE, BUFFERS) of the baseline statements. */
  plans: Record<string, string[]>;
  /** All measured request times (ms), for the JSON file. */
  samples: Record<Series, number[]>;
}

async function measure(count: number, warmup: number, once: (i: number) => Promise<number>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const ms = await once(i);
    if (i >= warmup) times.push(ms);
  }
  return times;
}

/** Like measure, for GraphQL requests: the round trips and the server's own times, sample for sample. */
async function measureRequests(
  count: number,
  warmup: number,
  once: (i: number) => Promise<{ ms: number; serverMs: number }>,
): Promise<{ roundTrip: number[]; server: number[] }> {
  const server: number[] = [];
  const roundTrip = await measure(count, warmup, async (i) => {
    const reply = await once(i);
    if (i >= warmup) server.push(reply.serverMs);
    return reply.ms;
  });
  return { roundTrip, server };
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** Cursors of consecutive pages of the OFFLINE set, first page (null) included, and the first name on each. */
async function collectPages(
  server: ServerChild,
): Promise<{ cursors: (string | null)[]; firstNames: string[]; total: number }> {
  const cursors: (string | null)[] = [null];
  const firstNames: string[] = [];
  let total = 0;
  for (;;) {
    const after = cursors[cursors.length - 1] ?? null;
    const { data } = await server.graphql<DevicesData>(DEVICES_QUERY, { after });
    total = data.devices.totalCount;
    firstNames.push(data.devices.edges[0]?.node.name ?? "");
    if (!data.devices.pageInfo.hasNextPage || cursors.length >= MAX_PAGES) break;
    cursors.push(data.devices.pageInfo.endCursor);
  }
  return { cursors, firstNames, total };
}

async function baseline(
  conn: SqlConnection,
  pages: number,
  firstNames: string[],
  total: number,
): Promise<{ sqlDevices: number[]; sqlSummary: number[]; plans: Record<string, string[]> }> {
  const rows = await conn.query<{ name: string; id: string }>(
    `SELECT name, id FROM "Device" WHERE status IN ('OFFLINE') ORDER BY name, id LIMIT ${pages * PAGE_SIZE}`,
  );
  const after: ({ name: string; id: string } | null)[] = [null];
  for (let k = 1; k < pages; k++) after.push(rows[k * PAGE_SIZE - 1] ?? null);
  // Same pages as the API walked: otherwise the comparison is not of the same work.
  for (let k = 0; k < pages; k++) {
    if ((rows[k * PAGE_SIZE]?.name ?? "") !== firstNames[k]) {
      throw new BenchFailure(
        `baseline page ${k + 1} starts at "${rows[k * PAGE_SIZE]?.name}", the API's at "${firstNames[k]}"`,
      );
    }
  }
  const count = (await conn.query<{ n: number }>(COUNT_SQL))[0]?.n;
  if (count !== total) throw new BenchFailure(`baseline counts ${count} OFFLINE devices, the API ${total}`);
  const sqlDevices = await measure(SAMPLES, WARMUP, (i) =>
    timed(async () => {
      const cursor = after[i % pages] ?? null;
      let page: { ownerId: string | null }[];
      if (cursor) {
        page = await conn.query<{ ownerId: string | null }>(NEXT_PAGE_SQL, [cursor.name, cursor.id]);
      } else {
        page = await conn.query<{ ownerId: string | null }>(FIRST_PAGE_SQL);
      }
      await conn.query(OWNERS_SQL, [[...new Set(page.flatMap((d) => (d.ownerId ? [d.ownerId] : [])))]]);
    }),
  );
  const sqlSummary = await measure(SAMPLES, WARMUP, () => timed(() => conn.query(SUMMARY_SQL)));
  // The plans, for the JSON file: where a slow figure's SQL time goes (an index missing shows here).
  const plans: Record<string, string[]> = {};
  const deepest = after[pages - 1];
  for (const [name, sql, params] of [
    ["firstPage", FIRST_PAGE_SQL, []],
    ["lastPage", deepest ? NEXT_PAGE_SQL : FIRST_PAGE_SQL, deepest ? [deepest.name, deepest.id] : []],
    ["count", COUNT_SQL, []],
    ["summary", SUMMARY_SQL, []],
  ] as const) {
    const rows = await conn.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, [...params]);
    plans[name] = rows.map((r) => r["QUERY PLAN"]);
  }
  return { sqlDevices, sqlSummary, plans };
}

async function withConnection<T>(server: ServerChild, work: (conn: SqlConnection) => Promise<T>): Promise<T> {
  const location = server.database;
  const db =
    location.kind === "postgres"
      ? await openDatabase({ databaseUrl: location.url, poolSize: 1 })
      : await openDatabase({ dataDir: location.dataDir });
  try {
    const conn = await db.connect();
    try {
      return await work(conn);
    } finally {
      await conn.release();
    }
  } finally {
    await db.close();
  }
}

async function runOnce(ctx: ScenarioContext, index: number): Promise<ApiRunRaw> {
  const tag = `api run ${index}/${ctx.runs}`;
  let server: ServerChild | undefined;
  let sim: ChildHandle<SimCommands> | undefined;
  try {
    // The fleet in its own process, as in production: the in-process demo simulator's heap (100k
    // hosts) would put its garbage collections into the server's request latencies.
    const simStart = await ChildHandle.start<SimCommands, SimReadyInfo>(
      "fleet-sim",
      "./simProcess.ts",
      [String(ctx.size), "live"],
      120_000 + ctx.size * 15,
    );
    sim = simStart.handle;
    ctx.progress(`${tag}: starting the server (${ctx.db}) on the simulator at ${simStart.ready.url}`);
    server = await Server.start({
      name: "server",
      db: ctx.db,
      hosts: ctx.size,
      fleet: { url: simStart.ready.url, token: simStart.ready.token },
      nodeFlags: ctx.syncNodeFlags,
      readyTimeoutMs: 120_000,
      progress: ctx.progress,
    });
    const s = server;
    const atReady = await s.memory();
    ctx.progress(`${tag}: server ready at ${s.url} (pid ${s.pid}, RSS ${mb(atReady.rssKb)} MB); syncNow`);
    const { ms: syncMs } = await syncOnce(s, ctx.size, 600_000 + ctx.size * 10);
    const afterSync = await s.memory();
    ctx.progress(
      `${tag}: synced ${formatNumber(ctx.size)} hosts in ${formatNumber(syncMs)} ms; RSS ${mb(afterSync.rssKb)} MB`,
    );

    const { cursors, total } = await collectPages(s);
    const pages = cursors.length;
    ctx.progress(`${tag}: ${formatNumber(total)} OFFLINE devices; cycling through ${pages} pages of ${PAGE_SIZE}`);
    const loadStart = os.loadavg()[0] ?? 0;
    const floor = await measureRequests(SAMPLES, WARMUP, () => s.graphql(FLOOR_QUERY));
    const devices = await measureRequests(SAMPLES, WARMUP, async (i) => {
      const reply = await s.graphql<DevicesData>(DEVICES_QUERY, { after: cursors[i % pages] ?? null });
      if (reply.data.devices.edges.length === 0) throw new BenchFailure("devices returned an empty page");
      return reply;
    });
    const summary = await measureRequests(SAMPLES, WARMUP, async () => {
      const reply = await s.graphql<SummaryData>(SUMMARY_QUERY);
      if (reply.data.statusSummary.total !== ctx.size) {
        throw new BenchFailure(`statusSummary total ${reply.data.statusSummary.total}, expected ${ctx.size}`);
      }
      return reply;
    });
    s.assertAlive();
    const afterRequests = await s.memory();
    const loadEnd = os.loadavg()[0] ?? 0;

    // The whole fleet plus 1,000 live subscribers, each sent a 1% re-sync's transitions.
    ctx.progress(`${tag}: ${SUBSCRIBERS} graphql-ws subscribers, then a 1% re-sync delivered to all`);
    const pool = await ClientPool.start(SUBSCRIBERS, 2);
    let withSubscribers: ProcMemory;
    let transitions = 0;
    let delivered = false;
    try {
      const opened = await pool.open(s.wsUrl, "graphql", `Bearer ${s.token}`);
      if (opened !== SUBSCRIBERS) throw new BenchFailure(`${opened} of ${SUBSCRIBERS} subscribers connected`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await pool.reset(Date.now());
      await sim.request("mutate", { fraction: 0.01 }, 60_000);
      await syncOnce(s, ctx.size, 600_000);
      const runs = await s.graphql<{ syncRuns: { transitions: number }[] }>("{ syncRuns(first: 1) { transitions } }");
      transitions = runs.data.syncRuns[0]?.transitions ?? 0;
      delivered = await waitForDrain(pool, transitions * SUBSCRIBERS);
      withSubscribers = await s.memory();
      ctx.progress(
        `${tag}: ${transitions} transitions to ${SUBSCRIBERS} subscribers (${delivered ? "all delivered" : "NOT all delivered"}); RSS ${mb(withSubscribers.rssKb)} MB`,
      );
    } finally {
      await pool.stop();
    }
    ctx.progress(
      `${tag}: p99 server side (round trip) devices ${ms2(percentiles(devices.server).p99)} (${ms2(percentiles(devices.roundTrip).p99)}), statusSummary ${ms2(percentiles(summary.server).p99)} (${ms2(percentiles(summary.roundTrip).p99)}); baseline SQL`,
    );
    // The re-sync above moved a few devices: the baseline checks its pages against the API's now.
    const current = await collectPages(s);
    // PGlite allows one process per data directory: the server must be gone before the bench opens it.
    if (s.database.kind === "pglite") await s.stopProcess(15_000);
    const { sqlDevices, sqlSummary, plans } = await withConnection(s, (conn) =>
      baseline(conn, current.cursors.length, current.firstNames, current.total),
    );
    const samples: Record<Series, number[]> = {
      floor: floor.roundTrip,
      devices: devices.roundTrip,
      summary: summary.roundTrip,
      floorServer: floor.server,
      devicesServer: devices.server,
      summaryServer: summary.server,
      sqlDevices,
      sqlSummary,
    };
    const latency = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, percentiles(v)])) as Record<
      Series,
      Percentiles
    >;
    return {
      run: index,
      db: ctx.db,
      syncMs,
      offlineDevices: total,
      pages,
      latency,
      memory: { atReady, afterSync, afterRequests, withSubscribers },
      subscribers: { count: SUBSCRIBERS, transitions, delivered },
      loadAverage: { start: loadStart, end: loadEnd },
      plans,
      samples,
    };
  } finally {
    await server?.dispose(15_000);
    await sim?.stop(10_000);
  }
}

function mb(kb: number): string {
  return formatNumber(kb / 1024);
}

function ms2(value: number): string {
  return `${formatNumber(value, 2)} ms`;
}

function figures(runs: ApiRunRaw[], ctx: ScenarioContext): FigureRow[] {
  const of = (pick: (r: ApiRunRaw) => number): Summary => summarize(runs.map(pick));
  // The targets are server side: the server's own time per request (its Server-Timing
  // header), not the bench client's round trip, which adds the client's own work and pauses.
  const devices = of((r) => r.latency.devicesServer.p99);
  const sqlDevices = of((r) => r.latency.sqlDevices.p99);
  const summary = of((r) => r.latency.summaryServer.p99);
  const sqlSummary = of((r) => r.latency.sqlSummary.p99);
  const via = ctx.db === "postgres" ? "pg" : "PGlite in-process";
  /** An info row: the median (min–max) over runs of one series' p99. */
  const p99Row = (figure: string, series: Series): FigureRow => ({
    figure,
    target: "",
    measured: formatSummary(
      of((r) => r.latency[series].p99),
      2,
    ),
    baseline: "",
    ratio: "",
    verdict: "info",
  });
  return [
    {
      figure: `devices(first: 50, OFFLINE) p99 server side, ${formatNumber(ctx.size)} devices (ms)`,
      target: `< ${DEVICES_P99_TARGET_MS} ms`,
      measured: formatSummary(devices, 2),
      baseline: `${formatSummary(sqlDevices, 2)} ms SQL (${via})`,
      ratio: `${formatSummary(
        of((r) => r.latency.devicesServer.p99 / r.latency.sqlDevices.p99),
        1,
      )}×`,
      verdict: devices.median < DEVICES_P99_TARGET_MS ? "ok" : "MISSED",
    },
    p99Row("  the same, round trip as the bench client saw it (ms)", "devices"),
    {
      figure: "statusSummary p99 server side (ms)",
      target: `< ${SUMMARY_P99_TARGET_MS} ms`,
      measured: formatSummary(summary, 2),
      baseline: `${formatSummary(sqlSummary, 2)} ms SQL GROUP BY`,
      ratio: `${formatSummary(
        of((r) => r.latency.summaryServer.p99 / r.latency.sqlSummary.p99),
        2,
      )}×`,
      verdict: summary.median < SUMMARY_P99_TARGET_MS ? "ok" : "MISSED",
    },
    p99Row("  the same, round trip (ms)", "summary"),
    p99Row("  floor: { __typename } p99 server side (ms)", "floorServer"),
    p99Row("  floor: { __typename } p99 round trip (ms)", "floor"),
    {
      figure: `server RSS, ${formatNumber(ctx.size)} devices + ${formatNumber(SUBSCRIBERS)} live subscribers (MB)`,
      target: "report",
      measured: formatSummary(of((r) => r.memory.withSubscribers.rssKb / 1024)),
      baseline: `after a 1% re-sync (${formatSummary(of((r) => r.subscribers.transitions))} transitions) reached every subscriber: ${runs.every((r) => r.subscribers.delivered) ? "yes" : "NO"}`,
      ratio: "",
      verdict: "info",
    },
    {
      figure: `server RSS after requests, ${formatNumber(ctx.size)} devices (MB)`,
      target: "",
      measured: formatSummary(of((r) => r.memory.afterRequests.rssKb / 1024)),
      baseline: `peak (VmHWM) ${formatSummary(of((r) => r.memory.afterRequests.hwmKb / 1024))}`,
      ratio: "",
      verdict: "info",
    },
    {
      figure: "  server RSS right after syncNow (MB)",
      target: "",
      measured: formatSummary(of((r) => r.memory.afterSync.rssKb / 1024)),
      baseline: "",
      ratio: "",
      verdict: "info",
    },
    {
      figure: "  server RSS at ready, before syncNow (MB; simulator included)",
      target: "",
      measured: formatSummary(of((r) => r.memory.atReady.rssKb / 1024)),
      baseline: "",
      ratio: "",
      verdict: "info",
    },
    {
      figure: "machine load (1-min average) while measuring",
      target: "",
      measured: formatSummary(
        of((r) => (r.loadAverage.start + r.loadAverage.end) / 2),
        1,
      ),
      baseline: `${os.cpus().length} CPUs`,
      ratio: "",
      verdict: "info",
    },
    {
      figure: "syncNow to populate (ms)",
      target: "",
      measured: formatSummary(of((r) => r.syncMs)),
      baseline: "",
      ratio: "",
      verdict: "info",
    },
  ];
}

function latencyTable(runs: ApiRunRaw[]): Table {
  const label: Record<Series, string> = {
    floor: "round trip: { __typename } (HTTP + auth + yoga floor)",
    floorServer: "server side: { __typename }",
    devices: "round trip: devices(first: 50, OFFLINE)",
    devicesServer: "server side: devices(first: 50, OFFLINE)",
    sqlDevices: "SQL: page LIMIT 51 past the cursor + owners by id",
    summary: "round trip: statusSummary",
    summaryServer: "server side: statusSummary",
    sqlSummary: "SQL: GROUP BY status",
  };
  const order: Series[] = [
    "floorServer",
    "floor",
    "devicesServer",
    "devices",
    "sqlDevices",
    "summaryServer",
    "summary",
    "sqlSummary",
  ];
  const cell = (series: Series, pick: (p: Percentiles) => number) =>
    formatSummary(summarize(runs.map((r) => pick(r.latency[series]))), 2);
  const first = runs[0];
  return {
    title: `request latency (ms, sequential, ${SAMPLES} after ${WARMUP} warm-up; median (min–max) over runs; devices cycles ${first?.pages ?? 0} page(s) by cursor)`,
    columns: ["series", "p50", "p95", "p99", "max", "mean"],
    rows: order.map((series) => [
      label[series],
      cell(series, (p) => p.p50),
      cell(series, (p) => p.p95),
      cell(series, (p) => p.p99),
      cell(series, (p) => p.max),
      cell(series, (p) => p.mean),
    ]),
  };
}

export const apiScenario: Scenario = {
  name: "api",
  description:
    "real server: devices(first: 50, OFFLINE) and statusSummary p50–p99 over loopback vs the same SQL direct; server RSS",
  async run(ctx) {
    const runs: ApiRunRaw[] = [];
    for (let i = 1; i <= ctx.runs; i++) runs.push(await runOnce(ctx, i));
    const fig = figures(runs, ctx);
    return {
      figures: fig,
      details: [latencyTable(runs)],
      raw: {
        warmup: WARMUP,
        samples: SAMPLES,
        targets: { devicesP99Ms: DEVICES_P99_TARGET_MS, summaryP99Ms: SUMMARY_P99_TARGET_MS },
        measuredWhere:
          "client side over a kept-alive loopback HTTP connection (request written to response read); includes the client's own HTTP handling",
        runs,
      },
    };
  },
};
