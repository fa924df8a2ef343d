/**
 * Scenario `fanout`: N graphql-ws subscribers of `statusEvents` (identical documents, so the server
 * groups them) on the real server with Redis pub/sub, while this process writes transitions into
 * PostgreSQL at the offered rate and signals them on Redis as the sync does. Compared, in the same
 * run and with the same client code, with a raw `ws` broadcast of frames of the same size at the
 * same rate. Subscribers live in one or two child processes; `--size` is the subscriber count.
 */
import { ChildHandle } from "./children.ts";
import { EventProducer } from "./fanoutProducer.ts";
import type {
  FanoutClientCommands,
  FanoutClientStats,
  FanoutMode,
  ProducedBatch,
  ProducedRun,
  RawBroadcastCommands,
} from "./protocol.ts";
import { wallNow } from "./protocol.ts";
import {
  type FigureRow,
  formatNumber,
  formatSummary,
  median,
  type Percentiles,
  percentiles,
  type Summary,
  summarize,
  type Table,
  verdict,
} from "./report.ts";
import { BenchFailure, type Scenario, type ScenarioContext } from "./scenario.ts";
import { type ProcMemory, ServerChild, syncOnce } from "./serverChild.ts";

/** The figure's subscriber count; `--size` above MAX_SUBSCRIBERS (the command's default 100,000) means this. */
const DEFAULT_SUBSCRIBERS = 1_000;
const MAX_SUBSCRIBERS = 10_000;
const RATE = 2_000;
const TICK_MS = 50;
const DURATION_MS = 10_000;
/** A diagnosis phase first, at a rate the server should carry: is the latency the load's or the design's? */
const LIGHT_RATE = 20;
const LIGHT_DURATION_MS = 5_000;
/** After the last event: wait for delivery at most this long, or until nothing arrived for STALL_MS (longer than the server's 5 s safety poll, so an event it repairs late counts as late, not lost). */
export const DRAIN_MAX_MS = 15_000;
const STALL_MS = 6_000;
const SERVER_HOSTS = 200;
const LATENCY_P99_TARGET_MS = 100;
const THROUGHPUT_MIN_RATIO = 0.5;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const SUBSCRIPTION = "subscription { statusEvents { seq at } }";
/** Priming: single events until every socket has one, then this many more, each within PRIME_MAX_MS. */
const PRIME_CHECKS = 3;
const PRIME_MAX_MS = 1_500;
const PRIME_ROUNDS = 12;

export interface PhaseRaw {
  mode: FanoutMode;
  sockets: number;
  produced: number;
  offeredEventsPerSec: number;
  /** Messages received in the load window (first event to DURATION_MS later) per second. */
  deliveredPerSec: number;
  /** Every message received, over first event to last message. */
  deliveredOverallPerSec: number;
  expected: number;
  received: number;
  missing: number;
  extra: number;
  drainComplete: boolean;
  /** Last event produced to last message received. */
  drainMs: number;
  perSocket: Summary;
  latency: Percentiles;
  closeCodes: Record<string, number>;
  otherMessages: number;
  otherExample: string | null;
  /** Messages received per second since the first event. */
  perSecond: number[];
  frameBytes: number;
  exampleNext: string | null;
}

export interface FanoutRunRaw {
  run: number;
  subscribers: number;
  clientProcesses: number;
  connectMs: number;
  prime: { rounds: number; checksMs: number[] };
  /** The server at LIGHT_RATE, before the full load. */
  light: PhaseRaw;
  server: PhaseRaw;
  raw: PhaseRaw;
  serverMemory: { start: ProcMemory; end: ProcMemory };
  serverTooSlowWarnings: number;
}

export function subscriberCount(size: number): number {
  return size <= MAX_SUBSCRIBERS ? size : DEFAULT_SUBSCRIBERS;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The subscribers, split over one or two processes. */
/**
 * Waits until the subscribers hold `expected` messages in all, nothing arrived for STALL_MS, or
 * DRAIN_MAX_MS passed; true when everything arrived.
 */
export async function waitForDrain(pool: ClientPool, expected: number): Promise<boolean> {
  const drainStart = performance.now();
  let lastTotal = -1;
  let lastChange = performance.now();
  for (;;) {
    const p = await pool.progress();
    if (p.total >= expected) return true;
    if (p.total !== lastTotal) {
      lastTotal = p.total;
      lastChange = performance.now();
    }
    if (performance.now() - lastChange > STALL_MS || performance.now() - drainStart > DRAIN_MAX_MS) return false;
    await sleep(250);
  }
}

export class ClientPool {
  private constructor(
    private readonly handles: ChildHandle<FanoutClientCommands>[],
    private readonly shares: number[],
  ) {}

  static async start(sockets: number, processes: number): Promise<ClientPool> {
    const handles: ChildHandle<FanoutClientCommands>[] = [];
    const shares: number[] = [];
    try {
      for (let i = 0; i < processes; i++) {
        const { handle } = await ChildHandle.start<FanoutClientCommands, Record<string, never>>(
          `fanout-clients-${i + 1}`,
          "./fanoutClients.ts",
          [],
          60_000,
        );
        handles.push(handle);
        shares.push(Math.floor(sockets / processes) + (i < sockets % processes ? 1 : 0));
      }
    } catch (error) {
      await Promise.all(handles.map((h) => h.stop(5_000)));
      throw error;
    }
    return new ClientPool(handles, shares);
  }

  get sockets(): number {
    return this.shares.reduce((a, b) => a + b, 0);
  }

  async open(url: string, mode: FanoutMode, authorization: string): Promise<number> {
    const replies = await Promise.all(
      this.handles.map((h, i) =>
        h.request("open", { url, count: this.shares[i] ?? 0, mode, authorization, query: SUBSCRIPTION }, 120_000),
      ),
    );
    return replies.reduce((sum, r) => sum + r.opened, 0);
  }

  async reset(t0: number): Promise<void> {
    await Promise.all(this.handles.map((h) => h.request("reset", { t0 }, 10_000)));
  }

  async progress(): Promise<{ total: number; minPerSocket: number; open: number }> {
    const replies = await Promise.all(this.handles.map((h) => h.request("progress", {}, 10_000)));
    return {
      total: replies.reduce((sum, r) => sum + r.total, 0),
      minPerSocket: Math.min(...replies.map((r) => r.minPerSocket)),
      open: replies.reduce((sum, r) => sum + r.open, 0),
    };
  }

  async stats(): Promise<FanoutClientStats> {
    const all = await Promise.all(this.handles.map((h) => h.request("stats", {}, 30_000)));
    const buckets: number[] = [];
    const closeCodes: Record<string, number> = {};
    for (const s of all) {
      s.buckets.forEach((b, i) => {
        buckets[i] = (buckets[i] ?? 0) + b;
      });
      for (const [code, n] of Object.entries(s.closeCodes)) closeCodes[code] = (closeCodes[code] ?? 0) + n;
    }
    return {
      perSocket: all.flatMap((s) => s.perSocket),
      total: all.reduce((sum, s) => sum + s.total, 0),
      bucketMs: all[0]?.bucketMs ?? 100,
      buckets: Array.from(buckets, (b) => b ?? 0),
      samples: all.flatMap((s) => s.samples),
      closeCodes,
      otherMessages: all.reduce((sum, s) => sum + s.otherMessages, 0),
      otherExample: all.find((s) => s.otherExample !== null)?.otherExample ?? null,
      exampleNext: all.find((s) => s.exampleNext !== null)?.exampleNext ?? null,
      lastReceiveAt: Math.max(...all.map((s) => s.lastReceiveAt)),
    };
  }

  /** Latency samples since the last take (cleared in the children) and the cumulative message total. */
  async takeSamples(): Promise<{ samples: number[]; total: number }> {
    const all = await Promise.all(this.handles.map((h) => h.request("takeSamples", {}, 30_000)));
    return { samples: all.flatMap((s) => s.samples), total: all.reduce((sum, s) => sum + s.total, 0) };
  }

  async closeSockets(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.request("closeSockets", {}, 30_000)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.stop(10_000)));
  }
}

/** The commit time of the batch holding each sampled seq, subtracted from the time it arrived. */
export function latencies(samples: number[], batches: ProducedBatch[]): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < samples.length; i += 2) {
    const seq = samples[i] as number;
    const receivedAt = samples[i + 1] as number;
    let lo = 0;
    let hi = batches.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = batches[mid] as ProducedBatch;
      if (seq < b.firstSeq) hi = mid - 1;
      else if (seq > b.lastSeq) lo = mid + 1;
      else {
        out.push(receivedAt - b.at);
        break;
      }
    }
  }
  return out;
}

/** Resets the counters, produces, waits for delivery (bounded), and reads what every socket got. */
async function measurePhase(
  mode: FanoutMode,
  pool: ClientPool,
  produce: () => Promise<ProducedRun>,
  durationMs: number,
  frameBytes: number,
  progress: (message: string) => void,
): Promise<PhaseRaw> {
  const t0 = wallNow();
  await pool.reset(t0);
  const run = await produce();
  const expectedTotal = run.produced * pool.sockets;
  const drainComplete = await waitForDrain(pool, expectedTotal);
  const stats = await pool.stats();
  const bucketsPerSecond = 1000 / stats.bucketMs;
  const startBucket = Math.max(0, Math.floor((run.startedAt - t0) / stats.bucketMs));
  const windowBuckets = durationMs / stats.bucketMs;
  let inWindow = 0;
  for (let b = startBucket; b < startBucket + windowBuckets; b++) inWindow += stats.buckets[b] ?? 0;
  const perSecond: number[] = [];
  for (let b = startBucket; b < stats.buckets.length; b++) {
    const second = Math.floor((b - startBucket) / bucketsPerSecond);
    perSecond[second] = (perSecond[second] ?? 0) + (stats.buckets[b] ?? 0);
  }
  const received = stats.perSocket.reduce((a, b) => a + b, 0);
  let missing = 0;
  let extra = 0;
  for (const n of stats.perSocket) {
    if (n < run.produced) missing += run.produced - n;
    else extra += n - run.produced;
  }
  const result: PhaseRaw = {
    mode,
    sockets: pool.sockets,
    produced: run.produced,
    // Over the time production really took (a source that fell behind offered less).
    offeredEventsPerSec:
      run.produced / (Math.max(durationMs - TICK_MS, run.endedAt - run.startedAt) / 1000 + TICK_MS / 1000),
    deliveredPerSec: inWindow / (durationMs / 1000),
    deliveredOverallPerSec:
      stats.lastReceiveAt > run.startedAt ? received / ((stats.lastReceiveAt - run.startedAt) / 1000) : 0,
    expected: expectedTotal,
    received,
    missing,
    extra,
    drainComplete,
    drainMs: stats.lastReceiveAt > 0 ? Math.max(0, stats.lastReceiveAt - run.endedAt) : 0,
    perSocket: summarize(stats.perSocket.length > 0 ? stats.perSocket : [0]),
    latency: percentiles(latencies(stats.samples, run.batches)),
    closeCodes: stats.closeCodes,
    otherMessages: stats.otherMessages,
    otherExample: stats.otherExample,
    perSecond: Array.from(perSecond, (n) => n ?? 0),
    frameBytes: frameBytes > 0 ? frameBytes : Buffer.byteLength(stats.exampleNext ?? ""),
    exampleNext: stats.exampleNext,
  };
  progress(
    `${mode}: ${formatNumber(result.deliveredPerSec)} msgs/s in the window, p99 ${formatNumber(result.latency.p99)} ms, ` +
      `${formatNumber(missing)} missing${drainComplete ? "" : " (drain cut off)"}, closes ${JSON.stringify(stats.closeCodes)}`,
  );
  if (stats.otherExample) progress(`${mode}: ${stats.otherMessages} non-next messages, e.g. ${stats.otherExample}`);
  return result;
}

/** Single events until every subscriber has one; then PRIME_CHECKS more, each delivered to all within PRIME_MAX_MS. */
export async function prime(
  pool: ClientPool,
  producer: EventProducer,
): Promise<{ rounds: number; checksMs: number[] }> {
  const checksMs: number[] = [];
  for (let round = 1; round <= PRIME_ROUNDS; round++) {
    await pool.reset(wallNow());
    const batch = await producer.batch(1);
    const deadline = performance.now() + 3_000;
    let reached = false;
    while (performance.now() < deadline) {
      if ((await pool.progress()).minPerSocket >= 1) {
        reached = true;
        break;
      }
      await sleep(10);
    }
    const ms = wallNow() - batch.at;
    if (!reached) {
      checksMs.length = 0;
      continue;
    }
    checksMs.push(ms);
    if (checksMs.length === PRIME_CHECKS) {
      if (checksMs.some((m) => m > PRIME_MAX_MS)) {
        throw new BenchFailure(
          `single events reached every subscriber only after ${checksMs.map((m) => Math.round(m)).join(", ")} ms: the server seems to pick events up by its 5 s safety poll, not the Redis signal`,
        );
      }
      return { rounds: round, checksMs };
    }
  }
  throw new BenchFailure(`not every subscriber received single events within ${PRIME_ROUNDS} rounds of 3 s`);
}

async function runOnce(ctx: ScenarioContext, index: number, subscribers: number): Promise<FanoutRunRaw> {
  const tag = `fanout run ${index}/${ctx.runs}`;
  const clientProcesses = subscribers >= 200 ? 2 : 1;
  let server: ServerChild | undefined;
  let producer: EventProducer | undefined;
  let pool: ClientPool | undefined;
  let raw: ChildHandle<RawBroadcastCommands> | undefined;
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
    if (s.database.kind !== "postgres") throw new Error("fanout needs PostgreSQL");
    producer = await EventProducer.open(s.database.url, REDIS_URL);
    pool = await ClientPool.start(subscribers, clientProcesses);
    const p = pool;
    const connectStarted = performance.now();
    const opened = await p.open(s.wsUrl, "graphql", `Bearer ${s.token}`);
    const connectMs = performance.now() - connectStarted;
    if (opened !== subscribers) throw new BenchFailure(`${opened} of ${subscribers} subscribers connected`);
    ctx.progress(
      `${tag}: ${subscribers} graphql-ws subscribers in ${clientProcesses} process(es), ${formatNumber(connectMs)} ms; priming`,
    );
    const primed = await prime(p, producer);
    ctx.progress(
      `${tag}: every subscriber live after ${primed.rounds} round(s); checks ${primed.checksMs.map((m) => formatNumber(m, 1)).join(", ")} ms`,
    );
    const prod = producer;
    ctx.progress(`${tag}: light load first: ${LIGHT_RATE}/s for ${LIGHT_DURATION_MS / 1000} s (server)`);
    const light = await measurePhase(
      "graphql",
      p,
      () => prod.run(LIGHT_RATE, TICK_MS, LIGHT_DURATION_MS),
      LIGHT_DURATION_MS,
      0,
      ctx.progress,
    );
    const start = await s.memory();
    ctx.progress(`${tag}: producing ${RATE}/s for ${DURATION_MS / 1000} s to ${subscribers} subscribers (server)`);
    const serverPhase = await measurePhase(
      "graphql",
      p,
      () => prod.run(RATE, TICK_MS, DURATION_MS),
      DURATION_MS,
      0,
      ctx.progress,
    );
    s.assertAlive();
    const end = await s.memory();
    const tooSlow = s.tooSlowWarnings;
    await p.closeSockets();
    await producer.close();
    producer = undefined;
    await s.dispose(15_000);
    server = undefined;

    const frameBytes = serverPhase.frameBytes > 0 ? serverPhase.frameBytes : 110;
    const rawStart = await ChildHandle.start<RawBroadcastCommands, { port: number }>(
      "raw-broadcast",
      "./rawBroadcast.ts",
      [],
      60_000,
    );
    raw = rawStart.handle;
    const r = raw;
    const rawOpened = await p.open(`ws://127.0.0.1:${rawStart.ready.port}`, "raw", "");
    const { connected } = await r.request("waitClients", { count: subscribers, timeoutMs: 30_000 }, 60_000);
    if (rawOpened !== subscribers || connected !== subscribers) {
      throw new BenchFailure(`raw baseline: ${rawOpened} opened, ${connected} connected of ${subscribers}`);
    }
    ctx.progress(`${tag}: producing ${RATE}/s of ${frameBytes}-byte frames to ${subscribers} sockets (raw ws)`);
    const rawPhase = await measurePhase(
      "raw",
      p,
      () =>
        r.request(
          "broadcast",
          { rate: RATE, tickMs: TICK_MS, durationMs: DURATION_MS, frameBytes },
          // At 2M messages/s the raw server's own loop falls behind its sockets on two cores: its
          // 10 s of producing took over 70 s once (2026-12-03), so a stuck run is told by minutes.
          DURATION_MS + 240_000,
        ),
      DURATION_MS,
      frameBytes,
      ctx.progress,
    );
    await p.closeSockets();
    return {
      run: index,
      subscribers,
      clientProcesses,
      connectMs,
      prime: primed,
      light,
      server: serverPhase,
      raw: rawPhase,
      serverMemory: { start, end },
      serverTooSlowWarnings: tooSlow,
    };
  } finally {
    await producer?.close();
    await Promise.all([pool?.stop(), raw?.stop(10_000), server?.dispose(15_000)]);
  }
}

function figures(runs: FanoutRunRaw[], subscribers: number): FigureRow[] {
  const of = (pick: (r: FanoutRunRaw) => number): Summary => summarize(runs.map(pick));
  const p99 = of((r) => r.server.latency.p99);
  const missingShare = of((r) => r.server.missing / Math.max(1, r.server.expected));
  const delivered = of((r) => r.server.deliveredPerSec);
  const ratio = of((r) => r.server.deliveredPerSec / Math.max(1, r.raw.deliveredPerSec));
  const pct = (s: Summary) =>
    `${formatSummary({ ...s, min: s.min * 100, median: s.median * 100, max: s.max * 100 }, 1)}%`;
  return [
    {
      figure: `offered: ${formatNumber(RATE)} events/s × ${formatNumber(subscribers)} subscribers (deliveries/s)`,
      target: "",
      measured: formatSummary(of((r) => r.server.offeredEventsPerSec * r.server.sockets)),
      baseline: formatSummary(of((r) => r.raw.offeredEventsPerSec * r.raw.sockets)),
      ratio: "",
      verdict: "info",
    },
    {
      figure: "commit→client latency p99 (ms, of delivered)",
      target: `< ${LATENCY_P99_TARGET_MS} ms, ≤ 1% undelivered`,
      measured: formatSummary(p99),
      baseline: `raw ${formatSummary(of((r) => r.raw.latency.p99))}`,
      ratio: `${formatSummary(
        of((r) => r.server.latency.p99 / Math.max(0.001, r.raw.latency.p99)),
        1,
      )}×`,
      verdict: verdict(p99.median < LATENCY_P99_TARGET_MS && missingShare.median <= 0.01),
    },
    {
      figure: "  latency p50 / max (ms)",
      target: "",
      measured: `${formatSummary(of((r) => r.server.latency.p50))} / ${formatSummary(of((r) => r.server.latency.max))}`,
      baseline: `raw ${formatSummary(of((r) => r.raw.latency.p50))} / ${formatSummary(of((r) => r.raw.latency.max))}`,
      ratio: "",
      verdict: "info",
    },
    {
      figure: `delivered msgs/s during the ${DURATION_MS / 1000} s load`,
      target: `≥ ${THROUGHPUT_MIN_RATIO * 100}% of raw ws`,
      measured: formatSummary(delivered),
      baseline: `raw ${formatSummary(of((r) => r.raw.deliveredPerSec))}`,
      ratio: pct(ratio),
      verdict: verdict(ratio.median >= THROUGHPUT_MIN_RATIO),
    },
    {
      figure: "  delivered msgs/s, first event to last message",
      target: "",
      measured: formatSummary(of((r) => r.server.deliveredOverallPerSec)),
      baseline: `raw ${formatSummary(of((r) => r.raw.deliveredOverallPerSec))}`,
      ratio: "",
      verdict: "info",
    },
    {
      figure: `messages undelivered (≤ ${DRAIN_MAX_MS / 1000} s drain)`,
      target: "0",
      measured: `${formatSummary(of((r) => r.server.missing))} (${pct(missingShare)})`,
      baseline: `raw ${formatSummary(of((r) => r.raw.missing))}`,
      ratio: "",
      verdict: verdict(missingShare.max === 0),
    },
    {
      figure: "  duplicates (received beyond expected)",
      target: "0",
      measured: formatSummary(of((r) => r.server.extra)),
      baseline: `raw ${formatSummary(of((r) => r.raw.extra))}`,
      ratio: "",
      verdict: verdict(of((r) => r.server.extra).max === 0),
    },
    {
      figure: "  received per subscriber: min / median / max",
      target: `${formatSummary(of((r) => r.server.produced))} each`,
      measured: `${formatSummary(of((r) => r.server.perSocket.min))} / ${formatSummary(of((r) => r.server.perSocket.median))} / ${formatSummary(of((r) => r.server.perSocket.max))}`,
      baseline: `raw ${formatSummary(of((r) => r.raw.perSocket.min))} / ${formatSummary(of((r) => r.raw.perSocket.max))}`,
      ratio: "",
      verdict: "info",
    },
    {
      figure: "  sockets closed by the server (4408 too slow, …)",
      target: "",
      measured: formatSummary(of((r) => Object.values(r.server.closeCodes).reduce((a, b) => a + b, 0))),
      baseline: runs.flatMap((r) => Object.entries(r.server.closeCodes).map(([code, n]) => `${n}× ${code}`)).join(", "),
      ratio: "",
      verdict: "info",
    },
    {
      figure: "server RSS before load → after drain (MB)",
      target: "",
      measured: `${formatSummary(of((r) => r.serverMemory.start.rssKb / 1024))} → ${formatSummary(of((r) => r.serverMemory.end.rssKb / 1024))}`,
      baseline: `peak ${formatSummary(of((r) => r.serverMemory.end.hwmKb / 1024))}`,
      ratio: "",
      verdict: "info",
    },
    {
      figure: `diagnosis: ${LIGHT_RATE} events/s (${formatNumber(LIGHT_RATE * subscribers)} deliveries/s) p50 / p99 / max (ms)`,
      target: "",
      measured: `${formatSummary(of((r) => r.light.latency.p50))} / ${formatSummary(of((r) => r.light.latency.p99))} / ${formatSummary(of((r) => r.light.latency.max))}`,
      baseline: `undelivered ${formatSummary(of((r) => r.light.missing))}`,
      ratio: "",
      verdict: "info",
    },
    {
      figure: "single event to every subscriber, idle (ms)",
      target: "",
      measured: formatSummary(summarize(runs.flatMap((r) => r.prime.checksMs)), 1),
      baseline: "",
      ratio: "",
      verdict: "info",
    },
  ];
}

function timelineTable(runs: FanoutRunRaw[]): Table {
  // The load and the longest drain; a slow straggler beyond that adds nothing to read.
  const seconds = Math.min(
    (DURATION_MS + DRAIN_MAX_MS) / 1000 + 1,
    Math.max(...runs.flatMap((r) => [r.server.perSecond.length, r.raw.perSecond.length])),
  );
  const rows: string[][] = [];
  for (let i = 0; i < seconds; i++) {
    const cell = (pick: (r: FanoutRunRaw) => number[]) => formatNumber(median(runs.map((r) => pick(r)[i] ?? 0)));
    rows.push([
      `${i}–${i + 1} s${i * 1000 >= DURATION_MS ? " (drain)" : ""}`,
      cell((r) => r.server.perSecond),
      cell((r) => r.raw.perSecond),
    ]);
  }
  return {
    title: "messages received per second after the first event (median over runs)",
    columns: ["second", "graphql-ws server", "raw ws"],
    rows,
  };
}

export const fanoutScenario: Scenario = {
  name: "fanout",
  description: `--size graphql-ws statusEvents subscribers (default ${DEFAULT_SUBSCRIBERS}) at ${RATE} transitions/s via PostgreSQL + Redis vs raw ws broadcast`,
  async run(ctx) {
    const subscribers = subscriberCount(ctx.size);
    if (ctx.db !== "postgres") {
      ctx.progress("fanout: always on PostgreSQL (events are written from another process), whatever --db says");
    }
    const runs: FanoutRunRaw[] = [];
    for (let i = 1; i <= ctx.runs; i++) runs.push(await runOnce(ctx, i, subscribers));
    const fig = figures(runs, subscribers);
    return {
      figures: fig,
      details: [timelineTable(runs)],
      raw: {
        subscribers,
        rate: RATE,
        tickMs: TICK_MS,
        durationMs: DURATION_MS,
        drainMaxMs: DRAIN_MAX_MS,
        redisUrl: REDIS_URL,
        targets: { latencyP99Ms: LATENCY_P99_TARGET_MS, throughputMinRatio: THROUGHPUT_MIN_RATIO },
        runs,
      },
    };
  },
};
