import { ChildHandle } from "./children.ts";
import type {
  BareResult,
  BareTransport,
  RssSample,
  SimCommands,
  SimReadyInfo,
  SyncCommands,
  SyncOutcome,
  SyncPhases,
} from "./protocol.ts";
import {
  type FigureRow,
  formatMs,
  formatNumber,
  formatSummary,
  median,
  type Summary,
  summarize,
  type Table,
  verdict,
  verdictsOf,
} from "./report.ts";
import { BenchFailure, type Scenario, type ScenarioContext } from "./scenario.ts";

/** FleetClient's default page size: the bare loop must fetch exactly what the sync fetches. */
const PER_PAGE = 1000;
const CHANGED_FRACTION = 0.01;
const FULL_SYNC_MAX_RATIO = 1.5;
const RESYNC_MAX_RATIO = 1.2;
const RSS_LIMIT_MB = 400;
/** The re-sync may write a few more or fewer devices than were changed, not a different order. */
const RESYNC_WRITE_TOLERANCE = 0.5;

interface RssPoint extends RssSample {
  after: string;
}

export interface SyncRunRaw {
  run: number;
  simBuildMs: number;
  dbSetupMs: number;
  dbLocation: string;
  bareWarmup: BareResult;
  /** The three measured bare loops: before the full sync, after it, after the re-sync. */
  bare: BareResult[];
  bareMedianMs: number;
  /** The same three on node:http (FleetClient's transport), each beside its fetch() twin, in alternating order. */
  bareHttp: BareResult[];
  bareHttpMedianMs: number;
  /** Bare loop reading bodies as the client does, plus its zod schema and toHostRecord, measured last (diagnosis only). */
  bareValidated: BareResult;
  full: SyncOutcome;
  changedHosts: number;
  resync: SyncOutcome;
  /** Against the faster of the two bare loops' medians (the stricter baseline). */
  fullRatio: number;
  resyncRatio: number;
  fullRatioFetch: number;
  resyncRatioFetch: number;
  fullRatioHttp: number;
  resyncRatioHttp: number;
  rss: RssPoint[];
  /** Highest rss of the process over the whole run, bare loops included (getrusage maxrss). */
  peakRssMb: number;
  /** Highest sampled rss after the database was opened: the sync's own peak, without PGlite start-up. */
  peakRssAfterInitMb: number;
  /** Highest rss sampled (every 20 ms) while the full sync or the re-sync ran. */
  peakSyncRssMb: number;
}

/** Generous: a command that takes this long is stuck, and the bench must stop by itself. */
function commandTimeoutMs(size: number): number {
  return 120_000 + size * 15;
}

async function runOnce(ctx: ScenarioContext, index: number): Promise<SyncRunRaw> {
  const tag = `sync run ${index}/${ctx.runs}`;
  const timeout = commandTimeoutMs(ctx.size);
  let sim: ChildHandle<SimCommands> | undefined;
  let sync: ChildHandle<SyncCommands> | undefined;
  try {
    ctx.progress(`${tag}: starting simulator with ${formatNumber(ctx.size)} hosts`);
    const simStart = await ChildHandle.start<SimCommands, SimReadyInfo>(
      "fleet-sim",
      "./simProcess.ts",
      [String(ctx.size)],
      timeout,
    );
    sim = simStart.handle;
    const fleet = simStart.ready;
    ctx.progress(`${tag}: simulator ready at ${fleet.url} (pid ${sim.pid}, built in ${formatMs(fleet.buildMs)})`);

    const syncStart = await ChildHandle.start<SyncCommands, Record<string, never>>(
      "sync",
      "./syncProcess.ts",
      [],
      timeout,
      ctx.syncNodeFlags,
    );
    sync = syncStart.handle;
    const init = await sync.request(
      "init",
      { url: fleet.url, token: fleet.token, db: ctx.db, perPage: PER_PAGE },
      timeout,
    );
    ctx.progress(`${tag}: sync process ready (pid ${sync.pid}, ${ctx.db} ${init.location}, ${formatMs(init.setupMs)})`);

    const s = sync;
    const rss: RssPoint[] = [];
    const sampleRss = async (after: string) => {
      rss.push({ after, ...(await s.request("rss", {}, timeout)) });
    };
    const bare = async (label: string, validate = false, transport: BareTransport = "fetch") => {
      const result = await s.request("bare", { validate, transport }, timeout);
      if (result.hosts !== ctx.size) {
        throw new BenchFailure(`${tag}: ${label} saw ${result.hosts} hosts, expected ${ctx.size}`);
      }
      ctx.progress(`${tag}: ${label} ${formatMs(result.ms)} (${result.pages} pages, ${mb(result.bytes)} MB)`);
      await sampleRss(label);
      return result;
    };
    const runSync = async (label: string) => {
      const result = await s.request("sync", { now: fleet.now }, timeout);
      ctx.progress(
        `${tag}: ${label} ${formatMs(result.ms)} (${result.state}, ${result.hostsSeen} seen, ${result.devicesWritten} written, ${result.phases.detailRequests} detail requests)`,
      );
      await sampleRss(label);
      return result;
    };

    await sampleRss("init");
    const bareWarmup = await bare("bare warm-up");
    await bare("bare warm-up over node:http", false, "http");
    const bare1 = await bare("bare 1");
    const bareHttp1 = await bare("bare 1 over node:http", false, "http");
    const full = await runSync("full sync");
    checkSync(tag, "full sync", full, ctx.size, ctx.size);
    // The middle pair the other way round, so that neither loop always runs second.
    const bareHttp2 = await bare("bare 2 over node:http", false, "http");
    const bare2 = await bare("bare 2");
    const { changed } = await sim.request("mutate", { fraction: CHANGED_FRACTION }, timeout);
    ctx.progress(`${tag}: mutated ${changed} hosts`);
    const resync = await runSync("re-sync");
    checkSync(tag, "re-sync", resync, ctx.size, changed);
    const bare3 = await bare("bare 3");
    const bareHttp3 = await bare("bare 3 over node:http", false, "http");
    const bareValidated = await bare("bare + validate", true, "http");

    const bareRuns = [bare1, bare2, bare3];
    const bareMedianMs = median(bareRuns.map((b) => b.ms));
    const bareHttpRuns = [bareHttp1, bareHttp2, bareHttp3];
    const bareHttpMedianMs = median(bareHttpRuns.map((b) => b.ms));
    const strictBareMs = Math.min(bareMedianMs, bareHttpMedianMs);
    const peakRssMb = Math.max(...rss.map((r) => r.maxRssKb)) / 1024;
    const peakRssAfterInitMb = Math.max(...rss.slice(1).map((r) => r.sampledPeakBytes)) / 1024 / 1024;
    // Each sample's peak covers the command since the previous sample: these two are the syncs.
    const peakSyncRssMb =
      Math.max(...rss.filter((r) => r.after === "full sync" || r.after === "re-sync").map((r) => r.sampledPeakBytes)) /
      1024 /
      1024;
    return {
      run: index,
      simBuildMs: fleet.buildMs,
      dbSetupMs: init.setupMs,
      dbLocation: init.location,
      bareWarmup,
      bare: bareRuns,
      bareMedianMs,
      bareHttp: bareHttpRuns,
      bareHttpMedianMs,
      bareValidated,
      full,
      changedHosts: changed,
      resync,
      fullRatio: full.ms / strictBareMs,
      resyncRatio: resync.ms / strictBareMs,
      fullRatioFetch: full.ms / bareMedianMs,
      resyncRatioFetch: resync.ms / bareMedianMs,
      fullRatioHttp: full.ms / bareHttpMedianMs,
      resyncRatioHttp: resync.ms / bareHttpMedianMs,
      rss,
      peakRssMb,
      peakRssAfterInitMb,
      peakSyncRssMb,
    };
  } finally {
    // Fresh processes for every run; the sync child drops its PostgreSQL database on close.
    await Promise.all([sync?.stop(30_000), sim?.stop(10_000)]);
  }
}

/** A sync that failed or saw the wrong fleet has no time worth comparing. */
function checkSync(tag: string, label: string, r: SyncOutcome, hosts: number, expectedWrites: number): void {
  const problems: string[] = [];
  if (r.state !== "SUCCEEDED") problems.push(`state ${r.state}${r.error ? `: ${r.error}` : ""}`);
  if (r.hostsSeen !== hosts) problems.push(`hostsSeen ${r.hostsSeen}, expected ${hosts}`);
  const exact = label === "full sync";
  const off = Math.abs(r.devicesWritten - expectedWrites);
  if (exact ? off !== 0 : off > Math.max(1, expectedWrites * RESYNC_WRITE_TOLERANCE)) {
    problems.push(`devicesWritten ${r.devicesWritten}, expected ${exact ? "" : "about "}${expectedWrites}`);
  }
  if (problems.length > 0) throw new BenchFailure(`${tag}: ${label} is wrong: ${problems.join("; ")}`);
}

function mb(bytes: number): string {
  return formatNumber(bytes / 1024 / 1024, 1);
}

function figures(runs: SyncRunRaw[], size: number): FigureRow[] {
  const of = (pick: (r: SyncRunRaw) => number): Summary => summarize(runs.map(pick));
  const baseline = `${formatNumber(median(runs.map((r) => Math.min(r.bareMedianMs, r.bareHttpMedianMs))))} ms bare, the faster loop`;
  const fullRatio = of((r) => r.fullRatio);
  const resyncRatio = of((r) => r.resyncRatio);
  const peak = of((r) => r.peakRssMb);
  const syncPeak = of((r) => r.peakSyncRssMb);
  const pages = runs[0]?.bare[0]?.pages ?? 0;
  const againstEachBareLoop = (
    sync: string,
    fetchRatio: (r: SyncRunRaw) => number,
    httpRatio: (r: SyncRunRaw) => number,
  ): FigureRow => ({
    figure: `  ${sync} against each bare loop: fetch() / node:http`,
    target: "",
    measured: "",
    baseline: "",
    ratio: `${formatSummary(of(fetchRatio), 2)}× / ${formatSummary(of(httpRatio), 2)}×`,
    verdict: "info",
  });
  return [
    {
      figure: `full sync ${formatNumber(size)} hosts (ms)`,
      target: `≤ ${FULL_SYNC_MAX_RATIO}× bare`,
      measured: formatSummary(of((r) => r.full.ms)),
      baseline,
      ratio: `${formatSummary(fullRatio, 2)}×`,
      verdict: verdict(fullRatio.median <= FULL_SYNC_MAX_RATIO),
    },
    {
      figure: `re-sync ${CHANGED_FRACTION * 100}% changed (ms)`,
      target: `≤ ${RESYNC_MAX_RATIO}× bare`,
      measured: formatSummary(of((r) => r.resync.ms)),
      baseline,
      ratio: `${formatSummary(resyncRatio, 2)}×`,
      verdict: verdict(resyncRatio.median <= RESYNC_MAX_RATIO),
    },
    {
      // A ceiling, so judged on the worst run, not the median. The bare loops share the process (same
      // heap and HTTP stack for the time comparison) but are not the product: judged on the syncs.
      figure: "peak RSS while syncing (MB)",
      target: `< ${RSS_LIMIT_MB} MB (max)`,
      measured: formatSummary(syncPeak),
      baseline: "",
      ratio: "",
      verdict: verdict(syncPeak.max < RSS_LIMIT_MB),
    },
    {
      figure: "  peak RSS of the process, bare loops included (MB)",
      target: "",
      measured: formatSummary(peak),
      baseline: "",
      ratio: "",
      verdict: "info",
    },
    againstEachBareLoop(
      "re-sync",
      (r) => r.resyncRatioFetch,
      (r) => r.resyncRatioHttp,
    ),
    againstEachBareLoop(
      "full sync",
      (r) => r.fullRatioFetch,
      (r) => r.fullRatioHttp,
    ),
    {
      figure: `bare fetch() + response.text() + JSON.parse, ${pages} pages (ms)`,
      target: "",
      measured: formatSummary(summarize(runs.flatMap((r) => r.bare.map((b) => b.ms)))),
      baseline: "",
      ratio: "",
      verdict: "info",
    },
    {
      figure: `bare over node:http (FleetClient's transport) + JSON.parse, ${pages} pages (ms)`,
      target: "",
      measured: formatSummary(summarize(runs.flatMap((r) => r.bareHttp.map((b) => b.ms)))),
      baseline: "",
      ratio: "",
      verdict: "info",
    },
    {
      figure: "  of which JSON.parse (ms)",
      target: "",
      measured: formatSummary(summarize(runs.flatMap((r) => r.bare.map((b) => b.parseMs)))),
      baseline: "",
      ratio: "",
      verdict: "info",
    },
    {
      figure: "bare, client body decoding + zod + times + toHostRecord (ms)",
      target: "",
      measured: formatSummary(of((r) => r.bareValidated.ms)),
      baseline: "",
      ratio: `${formatSummary(
        of((r) => r.bareValidated.ms / r.bareHttpMedianMs),
        2,
      )}×`,
      verdict: "info",
    },
    {
      figure: "  of which zod + times + toHostRecord (ms)",
      target: "",
      measured: formatSummary(of((r) => r.bareValidated.validateMs)),
      baseline: "",
      ratio: "",
      verdict: "info",
    },
    {
      figure: "devices written on re-sync",
      target: `≈ hosts changed (${formatSummary(of((r) => r.changedHosts))})`,
      measured: formatSummary(of((r) => r.resync.devicesWritten)),
      baseline: "",
      ratio: "",
      verdict: "info",
    },
  ];
}

/** Where each sync's time went (medians over runs), so a missed figure points at its phase. */
function phaseTable(runs: SyncRunRaw[]): Table {
  const row = (label: string, pick: (p: SyncPhases) => number, isMs = true): string[] => {
    const cells = [label];
    for (const which of ["full", "resync"] as const) {
      const value = median(runs.map((r) => pick(r[which].phases)));
      const total = median(runs.map((r) => r[which].ms));
      cells.push(formatNumber(value), isMs ? `${formatNumber((100 * value) / total)}%` : "");
    }
    return cells;
  };
  return {
    title: "where the sync time goes (median ms over runs; SQL rows are parts of the phases above them)",
    columns: ["phase", "full sync", "share", "re-sync", "share"],
    rows: [
      row("before fetch: settings, SyncRun", (p) => p.beforeFetchMs),
      row("  SQL: load stored devices (beside the first page)", (p) => p.sql.loadStatesMs),
      row("fetch: HTTP, parse, zod (details run beside it)", (p) => p.fetchMs),
      row("  detail requests (count)", (p) => p.detailRequests, false),
      row("  detail request latency, summed (8 in flight)", (p) => p.detailLatencySumMs),
      row("evaluate: toHostRecord, engine, hash, diff (between pages)", (p) => p.evaluateMs),
      row("after last page: details still out, writes, run end", (p) => p.afterFetchMs),
      row("  write transactions, whole (PostgreSQL: one, open beside the fetch)", (p) => p.transactionsMs),
      row("  SQL: upsert devices", (p) => p.sql.devicesMs),
      row("  SQL: insert status events", (p) => p.sql.eventsMs),
      row("  SQL: upsert owners", (p) => p.sql.ownersMs),
      row("  SQL: other (locks, missing marks)", (p) => p.sql.otherMs),
    ],
  };
}

export const syncScenario: Scenario = {
  name: "sync",
  description:
    "full sync and 1% re-sync of the simulated fleet over loopback HTTP vs a bare fetch+parse loop; peak RSS",
  async run(ctx) {
    const runs: SyncRunRaw[] = [];
    for (let i = 1; i <= ctx.runs; i++) runs.push(await runOnce(ctx, i));
    const fig = figures(runs, ctx.size);
    return {
      figures: fig,
      details: [phaseTable(runs)],
      raw: {
        perPage: PER_PAGE,
        changedFraction: CHANGED_FRACTION,
        targets: { fullSyncMaxRatio: FULL_SYNC_MAX_RATIO, resyncMaxRatio: RESYNC_MAX_RATIO, rssLimitMb: RSS_LIMIT_MB },
        verdicts: verdictsOf(fig),
        runs,
      },
    };
  },
};
