/**
 * The messages the bench parent exchanges with its child processes over Node's IPC channel.
 * One file so the parent and both children agree on every shape at compile time.
 */

/** A child's command set: each command's arguments and the result it replies with. */
export type CommandMap = Record<string, { args: unknown; result: unknown }>;

export interface CommandRequest {
  id: number;
  cmd: string;
  args: unknown;
}

export type CommandReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** Sent once by a child when its message handler is attached: messages sent earlier could be lost. */
export interface ReadyMessage<T> {
  type: "ready";
  info: T;
}

export type DbKind = "pglite" | "postgres";

export interface SimReadyInfo {
  url: string;
  token: string;
  /** The simulator's frozen virtual now (epoch ms): the sync must evaluate at the same instant. */
  now: number;
  hosts: number;
  buildMs: number;
}

export type SimCommands = {
  mutate: { args: { fraction: number }; result: { changed: number } };
  advance: { args: { ms: number }; result: { now: number } };
  breakHealthy: { args: { count: number; state: "AGENT_STOPPED" | "OFFLINE" }; result: { broken: number } };
  close: { args: Record<string, never>; result: null };
};

export type BareTransport = "fetch" | "http";

export interface BareResult {
  ms: number;
  /** The process's CPU time (user + system) over the loop. */
  cpuMs: number;
  /** Of ms, the time in JSON.parse (the rest is HTTP: request, server, body transfer, paging). */
  parseMs: number;
  /** Of ms, the time in the zod schema and toHostRecord (validate runs only). */
  validateMs: number;
  pages: number;
  hosts: number;
  bytes: number;
}

/** Where one sync spent its time, measured by wrapping the client and the connection (not the runner). */
export interface SyncPhases {
  /** Run start to the first page pulled: settings, SyncRun row (stored devices load alongside the first page). */
  beforeFetchMs: number;
  /** Inside FleetClient.listHostPages: HTTP, JSON.parse, zod validation (detail requests run beside it). */
  fetchMs: number;
  /** Inside SyncRunner between pages: waiting for stored states (first page), toHostRecord, evaluate, hash, diff. */
  evaluateMs: number;
  /** Last page to run end: detail requests still out, device batches, StatusEvents, missing marks, SyncRun update. */
  afterFetchMs: number;
  pages: number;
  detailRequests: number;
  /** Sum of detail request latencies; they overlap (detailConcurrency), so this exceeds their wall time. */
  detailLatencySumMs: number;
  /** Raw SQL time by statement kind (both phases); Prisma calls are not included. */
  sql: { loadStatesMs: number; devicesMs: number; ownersMs: number; eventsMs: number; otherMs: number };
  /** Whole writeDeviceBatch transactions, BEGIN to COMMIT. */
  transactionsMs: number;
  transactions: number;
}

export interface SyncOutcome {
  ms: number;
  /** The sync process's CPU time (user + system, all its threads) over the sync. */
  cpuMs: number;
  state: string;
  hostsSeen: number;
  devicesWritten: number;
  transitions: number;
  error: string | null;
  phases: SyncPhases;
}

export interface RssSample {
  /** process.resourceUsage().maxRSS: the peak resident set so far, in KB. */
  maxRssKb: number;
  rssBytes: number;
  /**
   * Highest rss seen by a 20 ms sampler since the previous sample: maxRSS cannot be reset, so this
   * is how a step's own peak is told apart from an earlier one (PGlite start-up). Approximate: the
   * sampler cannot tick while a long synchronous call (a PGlite statement) runs.
   */
  sampledPeakBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
}

export type SyncCommands = {
  init: {
    args: { url: string; token: string; db: DbKind; perPage: number };
    result: { setupMs: number; location: string };
  };
  /** validate: also run the client's zod schema and toHostRecord over each page (diagnosis). */
  /**
   * transport "fetch": bodies read with fetch() and response.text(), the canonical bare loop;
   * "http": node:http with a kept-alive agent, the transport FleetClient uses.
   */
  bare: { args: { validate: boolean; transport?: BareTransport }; result: BareResult };
  /** now: the simulator's virtual now, so statuses are evaluated at the fleet's own instant. */
  sync: { args: { now: number }; result: SyncOutcome };
  rss: { args: Record<string, never>; result: RssSample };
  /** Alerts: seed the default rules (once). */
  seedAlertRules: { args: Record<string, never>; result: { seeded: number } };
  /** One alert evaluation at the fleet's instant. */
  evaluateAlerts: { args: { now: number }; result: AlertEvaluationOutcome };
  /** Adds a rule matching `statuses` with no grace period (and evaluates it). */
  addAlertRule: { args: { name: string; statuses: string[]; now: number }; result: AlertEvaluationOutcome };
  /** Registers webhooks (all alert events) and starts the delivery worker, loopback allowed. */
  addWebhooks: { args: { urls: string[]; timeoutMs: number }; result: { ids: string[] } };
  /** Webhook deliveries by state. */
  webhookStates: { args: Record<string, never>; result: Record<string, number> };
  close: { args: Record<string, never>; result: null };
};

export interface AlertEvaluationOutcome {
  ms: number;
  opened: number;
  resolved: number;
  deliveries: number;
  /** Wall clock (Date.now()) when the evaluation started: delivery latency counts from here. */
  startedAt: number;
  liveAlerts: number;
}

/** What the fan-out clients speak: graphql-transport-ws by hand, or plain frames from the raw broadcaster. */
export type FanoutMode = "graphql" | "raw";

export interface FanoutOpenArgs {
  url: string;
  count: number;
  mode: FanoutMode;
  /** graphql: the connection_init authorization and the one subscription every socket sends (id "1"). */
  authorization: string;
  query: string;
}

/** Receive counts and sampled latencies of one clients process since its last "reset". */
export interface FanoutClientStats {
  /** `next` messages received, per socket. */
  perSocket: number[];
  total: number;
  bucketMs: number;
  /** `next` messages received per bucket of bucketMs since the reset's t0. */
  buckets: number[];
  /** Every sampled message as [seq, receivedAt (wall ms, sub-ms)] pairs, flattened. */
  samples: number[];
  /** Close codes of sockets closed by the other side, with how many closed so. */
  closeCodes: Record<string, number>;
  /** Messages that were not `next` (error, complete...), with an example. */
  otherMessages: number;
  otherExample: string | null;
  /** One `next` message as received, to size the raw baseline's frames. */
  exampleNext: string | null;
  lastReceiveAt: number;
}

export type FanoutClientCommands = {
  open: { args: FanoutOpenArgs; result: { opened: number; ms: number } };
  /** Zeroes every counter; t0 (wall ms) is where the per-bucket timeline starts. */
  reset: { args: { t0: number }; result: null };
  progress: { args: Record<string, never>; result: { total: number; minPerSocket: number; open: number } };
  stats: { args: Record<string, never>; result: FanoutClientStats };
  /** The latency samples since the last take (then cleared) and the cumulative message total; counters stay. */
  takeSamples: { args: Record<string, never>; result: { samples: number[]; total: number } };
  closeSockets: { args: Record<string, never>; result: null };
  close: { args: Record<string, never>; result: null };
};

/** One committed (or, raw, sent) batch of events: seqs firstSeq..lastSeq, at wall ms `at`. */
export interface ProducedBatch {
  firstSeq: number;
  lastSeq: number;
  at: number;
}

export interface ProducedRun {
  batches: ProducedBatch[];
  produced: number;
  /** Wall ms of the first and the last batch. */
  startedAt: number;
  endedAt: number;
}

export interface BroadcastArgs {
  /** Events per second, each one frame to every socket. */
  rate: number;
  tickMs: number;
  durationMs: number;
  /** Frames are padded to this many bytes (the size of a real `next` message). */
  frameBytes: number;
}

export type RawBroadcastCommands = {
  waitClients: { args: { count: number; timeoutMs: number }; result: { connected: number } };
  /** Replies when the last tick has been queued; delivery to slow sockets goes on after. */
  broadcast: { args: BroadcastArgs; result: ProducedRun };
  close: { args: Record<string, never>; result: null };
};

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
