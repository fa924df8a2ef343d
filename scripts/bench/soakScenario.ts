/**
 * Scenario `soak`: the fanout set-up (real server on PostgreSQL + Redis, graphql-ws `statusEvents`
 * subscribers in child processes, this process writing transitions and signalling them on Redis)
 * held at RATE transitions/s for `--minutes` (default 10). Samples the server's RSS every 10 s and
 * the commit→client latency (1 message in 50) per 1-minute window. Runs only when named.
 */

import { EventProducer } from "./fanoutProducer.ts";
import { ClientPool, DRAIN_MAX_MS, latencies, prime, subscriberCount, waitForDrain } from "./fanoutScenario.ts";
import type { ProducedRun } from "./protocol.ts";
import { wallNow } from "./protocol.ts";
import {
  type FigureRow,
  formatNumber,
  formatSummary,
  median,
  type Percentiles,
  percentiles,
  summarize,
  type Table,
  verdict,
} from "./report.ts";
import { BenchFailure, type Scenario, type ScenarioContext } from "./scenario.ts";
import { ServerChild, syncOnce } from "./serverChild.ts";

const RATE = 500;
const TICK_MS = 50;
const RSS_EVERY_MS = 10_000;
const WINDOW_MS = 60_000;
const RSS_GROWTH_MAX = 0.1;
const SERVER_HOSTS = 200;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

interface RssSample {
  /** ms since the load started. */
  atMs: number;
  rssKb: number;
}

interface WindowRaw {
  label: string;
  startMs: number;
  endMs: number;
  delivered: number;
  deliveredPerSec: number;
  latency: Percentiles;
  /** The last RSS sample taken in the window. */
  rssKb: number;
}

export interface SoakRunRaw {
  run: number;
  subscribers: number;
  durationMs: number;
  produced: number;
  offeredEventsPerSec: number;
  expected: number;
  received: number;
  missing: number;
  extra: number;
  drainComplete: boolean;
  rss: RssSample[];
  rssStartKb: number;
  rssEndKb: number;
  rssAfterDrainKb: number;
  hwmKb: number;
  windows: WindowRaw[];
  closeCodes: Record<string, number>;
  serverTooSlowWarnings: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function runOnce(ctx: ScenarioContext, index: number, subscribers: number): Promise<SoakRunRaw> {
  const tag = `soak run ${index}/${ctx.runs}`;
  const durationMs = ctx.minutes * WINDOW_MS;
  const clientProcesses = subscribers >= 200 ? 2 : 1;
  let server: ServerChild | undefined;
  let producer: EventProducer | undefined;
  let pool: ClientPool | undefined;
  try {
    ctx.progress(`${tag}: starting the server (postgres, REDIS_URL=${REDIS_URL}, DEMO_HOSTS=${SERVER_HOSTS})`);
    server = await ServerChild.start({
      name: "server",
      db: "postgres",
      hosts: SERVER_HOSTS,
      redisUrl: REDIS_URL,
      nodeFlags: ctx.syncNodeFlags,
      readyTimeoutMs: 120_000,
      progress: ctx.progress,
    });
    const s = server;
    await syncOnce(s, SERVER_HOSTS, 120_000);
    if (s.database.kind !== "postgres") throw new Error("soak needs PostgreSQL");
    producer = await EventProducer.open(s.database.url, REDIS_URL);
    const prod = producer;
    pool = await ClientPool.start(subscribers, clientProcesses);
    const p = pool;
    const opened = await p.open(s.wsUrl, "graphql", `Bearer ${s.token}`);
    if (opened !== subscribers) throw new BenchFailure(`${opened} of ${subscribers} subscribers connected`);
    const primed = await prime(p, prod);
    ctx.progress(`${tag}: ${subscribers} subscribers live after ${primed.rounds} priming round(s)`);

    await p.reset(wallNow());
    const rss: RssSample[] = [{ atMs: 0, rssKb: (await s.memory()).rssKb }];
    ctx.progress(`${tag}: producing ${RATE}/s for ${ctx.minutes} min to ${subscribers} subscribers`);
    const start = wallNow();
    const producing: Promise<ProducedRun> = prod.run(RATE, TICK_MS, durationMs);
    // Surface a producer failure at the await below, not as an unhandled rejection meanwhile.
    producing.catch(() => {});
    const sampleWindows: { label: string; startMs: number; endMs: number; samples: Float64Array; total: number }[] = [];
    let lastTotal = 0;
    let windowStart = 0;
    const take = async (label: string) => {
      const { samples, total } = await p.takeSamples();
      const endMs = wallNow() - start;
      sampleWindows.push({
        label,
        startMs: windowStart,
        endMs,
        samples: Float64Array.from(samples),
        total: total - lastTotal,
      });
      lastTotal = total;
      windowStart = endMs;
    };
    const ticks = durationMs / RSS_EVERY_MS;
    for (let tick = 1; tick <= ticks; tick++) {
      const wait = start + tick * RSS_EVERY_MS - wallNow();
      if (wait > 0) await sleep(wait);
      s.assertAlive();
      rss.push({ atMs: wallNow() - start, rssKb: (await s.memory()).rssKb });
      if ((tick * RSS_EVERY_MS) % WINDOW_MS === 0) {
        await take(String((tick * RSS_EVERY_MS) / WINDOW_MS));
        const w = sampleWindows.at(-1);
        if (w) {
          ctx.progress(
            `${tag}: minute ${w.label}: ${formatNumber(w.total / ((w.endMs - w.startMs) / 1000))} msgs/s, RSS ${formatNumber((rss.at(-1)?.rssKb ?? 0) / 1024)} MB`,
          );
        }
      }
    }
    const run = await producing;
    const rssEndKb = rss.at(-1)?.rssKb ?? Number.NaN;

    const expected = run.produced * subscribers;
    const drainComplete = await waitForDrain(p, expected);
    await take("drain");
    s.assertAlive();
    const after = await s.memory();
    rss.push({ atMs: wallNow() - start, rssKb: after.rssKb });
    const stats = await p.stats();

    let missing = 0;
    let extra = 0;
    for (const n of stats.perSocket) {
      if (n < run.produced) missing += run.produced - n;
      else extra += n - run.produced;
    }
    const windows: WindowRaw[] = sampleWindows.map((w) => {
      const rssIn = rss.filter((r) => r.atMs <= w.endMs + 1_000);
      return {
        label: w.label,
        startMs: w.startMs,
        endMs: w.endMs,
        delivered: w.total,
        deliveredPerSec: w.endMs > w.startMs ? w.total / ((w.endMs - w.startMs) / 1000) : 0,
        latency: percentiles(latencies(Array.from(w.samples), run.batches)),
        rssKb: rssIn.at(-1)?.rssKb ?? Number.NaN,
      };
    });
    const tooSlow = s.tooSlowWarnings;
    await p.closeSockets();
    return {
      run: index,
      subscribers,
      durationMs,
      produced: run.produced,
      offeredEventsPerSec: run.produced / (Math.max(durationMs - TICK_MS, run.endedAt - run.startedAt) / 1000),
      expected,
      received: stats.perSocket.reduce((a, b) => a + b, 0),
      missing,
      extra,
      drainComplete,
      rss,
      rssStartKb: rss[0]?.rssKb ?? Number.NaN,
      rssEndKb,
      rssAfterDrainKb: after.rssKb,
      hwmKb: after.hwmKb,
      windows,
      closeCodes: stats.closeCodes,
      serverTooSlowWarnings: tooSlow,
    };
  } finally {
    await pool?.stop();
    await producer?.close();
    await server?.dispose(15_000);
  }
}

function figures(runs: SoakRunRaw[]): FigureRow[] {
  const of = (pick: (r: SoakRunRaw) => number) => summarize(runs.map(pick));
  const pct = (s: ReturnType<typeof summarize>) => `${formatSummary(summarize(s.values.map((v) => v * 100)), 1)} %`;
  const growth = of((r) => r.rssEndKb / r.rssStartKb - 1);
  const worstP99 = (r: SoakRunRaw) =>
    Math.max(...r.windows.filter((w) => w.label !== "drain" && w.latency.n > 0).map((w) => w.latency.p99));
  const worstMinute = (r: SoakRunRaw) => {
    const w = worstP99(r);
    return r.windows.find((x) => x.label !== "drain" && x.latency.p99 === w)?.label ?? "?";
  };
  return [
    {
      figure: "RSS growth start→end of load",
      target: `< ${RSS_GROWTH_MAX * 100}%`,
      measured: pct(growth),
      baseline: `${formatSummary(of((r) => r.rssStartKb / 1024))} → ${formatSummary(of((r) => r.rssEndKb / 1024))} MB`,
      ratio: "",
      verdict: verdict(growth.max < RSS_GROWTH_MAX),
    },
    {
      // Heap and buffers size themselves to the load during the first minute; a leak keeps growing after.
      figure: "  RSS growth from minute 1 to the end (warm-up excluded)",
      target: "",
      measured: pct(of((r) => r.rssEndKb / (r.rss.find((x) => x.atMs >= 60_000)?.rssKb ?? r.rssStartKb) - 1)),
      baseline: "",
      ratio: "",
      verdict: "info",
    },
    {
      figure: "  RSS after drain / peak (MB)",
      target: "",
      measured: `${formatSummary(of((r) => r.rssAfterDrainKb / 1024))} / ${formatSummary(of((r) => r.hwmKb / 1024))}`,
      baseline: "",
      ratio: "",
      verdict: "info",
    },
    {
      figure: "p99 latency, worst minute (ms)",
      target: "report",
      measured: formatSummary(of(worstP99)),
      baseline: `minute ${runs.map(worstMinute).join(", ")}`,
      ratio: "",
      verdict: "info",
    },
    {
      figure: `messages undelivered (≤ ${DRAIN_MAX_MS / 1000} s drain)`,
      target: "0",
      measured: `${formatSummary(of((r) => r.missing))} of ${formatSummary(of((r) => r.expected))}`,
      baseline: runs.every((r) => r.drainComplete) ? "" : "drain cut off",
      ratio: "",
      verdict: verdict(of((r) => r.missing).max === 0),
    },
    {
      figure: "duplicates (received beyond expected)",
      target: "0",
      measured: formatSummary(of((r) => r.extra)),
      baseline: "",
      ratio: "",
      verdict: verdict(of((r) => r.extra).max === 0),
    },
    {
      figure: "  transitions/s offered (achieved) / sockets closed by the server",
      target: `${RATE}`,
      measured: `${formatSummary(of((r) => r.offeredEventsPerSec))} / ${formatSummary(of((r) => Object.values(r.closeCodes).reduce((a, b) => a + b, 0)))}`,
      baseline: runs.flatMap((r) => Object.entries(r.closeCodes).map(([code, n]) => `${n}× ${code}`)).join(", "),
      ratio: "",
      verdict: "info",
    },
  ];
}

function minuteTable(runs: SoakRunRaw[]): Table {
  const labels = runs[0]?.windows.map((w) => w.label) ?? [];
  const rows = labels.map((label) => {
    const cell = (pick: (w: WindowRaw) => number, digits = 0) => {
      const values = runs
        .map((r) => r.windows.find((w) => w.label === label))
        .filter((w): w is WindowRaw => w !== undefined)
        .map(pick)
        .filter((v) => Number.isFinite(v));
      return values.length > 0 ? formatNumber(median(values), digits) : "–";
    };
    return [
      label,
      cell((w) => w.deliveredPerSec),
      cell((w) => w.latency.p50, 1),
      cell((w) => w.latency.p99, 1),
      cell((w) => w.rssKb / 1024, 1),
    ];
  });
  return {
    title: "per minute of load (median over runs; latency sampled 1 message in 50)",
    columns: ["minute", "delivered msgs/s", "p50 ms", "p99 ms", "RSS MB"],
    rows,
  };
}

export const soakScenario: Scenario = {
  name: "soak",
  description: `--minutes (default 10) at ${RATE} transitions/s to --size subscribers (default 1000): RSS growth, p99 per minute`,
  explicitOnly: true,
  async run(ctx) {
    const subscribers = subscriberCount(ctx.size);
    if (ctx.db !== "postgres") {
      ctx.progress("soak: always on PostgreSQL (events are written from another process), whatever --db says");
    }
    const runs: SoakRunRaw[] = [];
    for (let i = 1; i <= ctx.runs; i++) runs.push(await runOnce(ctx, i, subscribers));
    return {
      figures: figures(runs),
      details: [minuteTable(runs)],
      raw: {
        subscribers,
        rate: RATE,
        minutes: ctx.minutes,
        tickMs: TICK_MS,
        rssEveryMs: RSS_EVERY_MS,
        windowMs: WINDOW_MS,
        redisUrl: REDIS_URL,
        targets: { rssGrowthMax: RSS_GROWTH_MAX },
        runs,
      },
    };
  },
};
