import { once } from "node:events";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ChildHandle } from "./children.ts";
import type { AlertEvaluationOutcome, SimCommands, SimReadyInfo, SyncCommands, SyncOutcome } from "./protocol.ts";
import { type FigureRow, formatMs, formatNumber, formatSummary, summarize, verdict, verdictsOf } from "./report.ts";
import { BenchFailure, type Scenario, type ScenarioContext } from "./scenario.ts";

const CHANGED_FRACTION = 0.01;
const STEADY_ROUNDS = 3;
const EVALUATION_MAX_SHARE = 0.1;
const BURST = 1_000;
const BURST_MAX_MS = 10_000;
const WEBHOOK_TIMEOUT_MS = 10_000;

interface SteadyRound {
  sync: SyncOutcome;
  evaluation: AlertEvaluationOutcome;
  share: number;
}

export interface AlertsRunRaw {
  run: number;
  initial: AlertEvaluationOutcome;
  steady: SteadyRound[];
  /** An evaluation right after another, nothing changed: must open and resolve nothing. */
  idle: AlertEvaluationOutcome;
  burst: {
    broken: number;
    evaluation: AlertEvaluationOutcome;
    fastReceived: number;
    /** From the evaluation's start to the last of its deliveries at the fast receiver. */
    lastArrivalMs: number;
    firstArrivalMs: number;
    deadReceived: number;
    states: Record<string, number>;
  };
}

/** A loopback receiver that answers 200 at once, or never (dead). */
async function startReceiver(dead: boolean) {
  const arrivals: number[] = [];
  const held: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      arrivals.push(Date.now());
      if (dead) held.push(res);
      else res.writeHead(200).end("ok");
    });
  });
  server.keepAliveTimeout = 1_000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrivals,
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function runOnce(ctx: ScenarioContext, index: number): Promise<AlertsRunRaw> {
  const tag = `alerts run ${index}/${ctx.runs}`;
  const timeout = 120_000 + ctx.size * 15;
  let sim: ChildHandle<SimCommands> | undefined;
  let sync: ChildHandle<SyncCommands> | undefined;
  const fast = await startReceiver(false);
  const dead = await startReceiver(true);
  try {
    const simStart = await ChildHandle.start<SimCommands, SimReadyInfo>(
      "fleet-sim",
      "./simProcess.ts",
      [String(ctx.size)],
      timeout,
    );
    sim = simStart.handle;
    const fleet = simStart.ready;
    sync = (await ChildHandle.start<SyncCommands, Record<string, never>>("sync", "./syncProcess.ts", [], timeout))
      .handle;
    await sync.request("init", { url: fleet.url, token: fleet.token, db: ctx.db, perPage: 1000 }, timeout);
    await sync.request("seedAlertRules", {}, timeout);
    const s = sync;
    const runSync = async (label: string) => {
      const result = await s.request("sync", { now: fleet.now }, timeout);
      if (result.state !== "SUCCEEDED")
        throw new BenchFailure(`${tag}: ${label} ended ${result.state}: ${result.error}`);
      return result;
    };
    const evaluate = () => s.request("evaluateAlerts", { now: fleet.now }, timeout);

    ctx.progress(`${tag}: full sync of ${formatNumber(ctx.size)} hosts`);
    await runSync("full sync");
    const initial = await evaluate();
    ctx.progress(`${tag}: first evaluation opened ${initial.opened} alerts in ${formatMs(initial.ms)}`);

    const steady: SteadyRound[] = [];
    for (let round = 1; round <= STEADY_ROUNDS; round++) {
      const { changed } = await sim.request("mutate", { fraction: CHANGED_FRACTION }, timeout);
      const synced = await runSync(`re-sync ${round}`);
      const evaluation = await evaluate();
      steady.push({ sync: synced, evaluation, share: evaluation.ms / synced.ms });
      ctx.progress(
        `${tag}: round ${round}: ${changed} hosts changed, re-sync ${formatMs(synced.ms)}, evaluation ${formatMs(evaluation.ms)} (+${evaluation.opened} / -${evaluation.resolved}, ${evaluation.liveAlerts} live)`,
      );
    }
    const idle = await evaluate();
    if (idle.opened + idle.resolved > 0) {
      throw new BenchFailure(
        `${tag}: a second evaluation with nothing changed opened ${idle.opened}, resolved ${idle.resolved}`,
      );
    }

    // The burst: a rule on AGENT_INACTIVE with no grace period; what is inactive already opens now,
    // before the webhooks exist, so the burst is only the hosts broken below.
    await s.request("addAlertRule", { name: "bench burst", statuses: ["AGENT_INACTIVE"], now: fleet.now }, timeout);
    await s.request("addWebhooks", { urls: [fast.url, dead.url], timeoutMs: WEBHOOK_TIMEOUT_MS }, timeout);
    const { broken } = await sim.request("breakHealthy", { count: BURST, state: "AGENT_STOPPED" }, timeout);
    await runSync("burst sync");
    const evaluation = await evaluate();
    const expected = evaluation.deliveries / 2;
    ctx.progress(`${tag}: burst: ${evaluation.opened} alerts opened, ${evaluation.deliveries} deliveries queued`);
    // A few broken hosts show another status first (an Apple host whose MDM check-in counts as
    // contact, say); the burst is what opened, and it must be most of them.
    if (evaluation.opened < broken * 0.9) {
      throw new BenchFailure(`${tag}: ${broken} hosts broken but only ${evaluation.opened} alerts opened`);
    }
    const deadline = Date.now() + 60_000;
    while (fast.arrivals.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (fast.arrivals.length < expected) {
      throw new BenchFailure(`${tag}: the fast receiver got ${fast.arrivals.length} of ${expected} deliveries in 60 s`);
    }
    const arrivals = fast.arrivals.slice(0, expected);
    const states = await s.request("webhookStates", {}, timeout);
    return {
      run: index,
      initial,
      steady,
      idle,
      burst: {
        broken,
        evaluation,
        fastReceived: fast.arrivals.length,
        firstArrivalMs: Math.min(...arrivals) - evaluation.startedAt,
        lastArrivalMs: Math.max(...arrivals) - evaluation.startedAt,
        deadReceived: dead.arrivals.length,
        states,
      },
    };
  } finally {
    await Promise.allSettled([sync?.stop(30_000), sim?.stop(10_000)]);
    await fast.close();
    await dead.close();
  }
}

function figures(runs: AlertsRunRaw[], size: number): FigureRow[] {
  const of = (pick: (r: AlertsRunRaw) => number) => summarize(runs.map(pick));
  const med = (values: number[]) => summarize(values).median;
  const share = of((r) => med(r.steady.map((x) => x.share)));
  const last = of((r) => r.burst.lastArrivalMs);
  return [
    {
      figure: `evaluation of the default rules, ${formatNumber(size)} devices (ms)`,
      target: "",
      measured: formatSummary(of((r) => med(r.steady.map((x) => x.evaluation.ms)))),
      baseline: formatSummary(of((r) => med(r.steady.map((x) => x.sync.ms)))),
      ratio: "",
      verdict: "info",
    },
    {
      figure: "  added to a steady-state (1%) sync",
      target: `≤ ${EVALUATION_MAX_SHARE * 100}%`,
      measured: `${formatSummary(summarize(share.values.map((v) => v * 100)), 1)}%`,
      baseline: "re-sync",
      ratio: "",
      verdict: verdict(share.median <= EVALUATION_MAX_SHARE),
    },
    {
      figure: "  live alerts during the rounds",
      target: "",
      measured: formatSummary(of((r) => r.steady.at(-1)?.evaluation.liveAlerts ?? 0)),
      baseline: "",
      ratio: "",
      verdict: "info",
    },
    {
      figure: `${formatSummary(of((r) => r.burst.evaluation.opened))} alerts opening: last delivery at the receiver (ms)`,
      target: `< ${formatNumber(BURST_MAX_MS)} ms`,
      measured: formatSummary(last),
      baseline: "",
      ratio: "",
      verdict: verdict(last.median < BURST_MAX_MS),
    },
    {
      figure: "  first delivery (ms)",
      target: "",
      measured: formatSummary(of((r) => r.burst.firstArrivalMs)),
      baseline: "",
      ratio: "",
      verdict: "info",
    },
    {
      figure: "  requests the dead receiver held (never answered)",
      target: "its own lane only",
      measured: formatSummary(of((r) => r.burst.deadReceived)),
      baseline: "",
      ratio: "",
      verdict: "info",
    },
  ];
}

export const alertsScenario: Scenario = {
  name: "alerts",
  description:
    "default alert rules evaluated after 1% re-syncs vs the re-sync itself; 1,000 alerts opening at once delivered to a webhook receiver while another never answers",
  async run(ctx) {
    const runs: AlertsRunRaw[] = [];
    for (let i = 1; i <= ctx.runs; i++) runs.push(await runOnce(ctx, i));
    const fig = figures(runs, ctx.size);
    return {
      figures: fig,
      details: [],
      raw: {
        targets: { evaluationMaxShare: EVALUATION_MAX_SHARE, burst: BURST, burstMaxMs: BURST_MAX_MS },
        verdicts: verdictsOf(fig),
        runs,
      },
    };
  },
};
