/**
 * WebSocket subscribers for the fan-out scenario, in their own process so the measuring parent
 * stays responsive. graphql mode speaks graphql-transport-ws by hand (connection_init, one
 * subscribe); raw mode just listens. Either way the same code counts `next` messages per socket and
 * per time bucket, and parses only one message in SAMPLE_EVERY to take its latency.
 */
import { WebSocket } from "./deps.ts";
import { type FanoutClientCommands, type FanoutClientStats, type FanoutOpenArgs, wallNow } from "./protocol.ts";
import { describe, serveCommands } from "./serve.ts";

const SAMPLE_EVERY = 50;
const BUCKET_MS = 100;
const CONNECT_CONCURRENCY = 50;
const HANDSHAKE_TIMEOUT_MS = 15_000;
const NEXT_MARK = Buffer.from('"type":"next"');

interface Client {
  ws: WebSocket;
  received: number;
  subscribed: boolean;
}

const clients: Client[] = [];
let total = 0;
let t0 = wallNow();
let buckets: number[] = [];
let samples: number[] = [];
let closeCodes: Record<string, number> = {};
let otherMessages = 0;
let otherExample: string | null = null;
let exampleNext: string | null = null;
let lastReceiveAt = 0;
let closing = false;

function onNext(client: Client, data: Buffer): void {
  const t = wallNow();
  client.received++;
  total++;
  lastReceiveAt = t;
  const bucket = Math.floor((t - t0) / BUCKET_MS);
  if (bucket >= 0) buckets[bucket] = (buckets[bucket] ?? 0) + 1;
  if (total % SAMPLE_EVERY !== 0 && exampleNext !== null) return;
  const text = data.toString("utf8");
  exampleNext ??= text;
  const message = JSON.parse(text) as { payload?: { data?: { statusEvents?: { seq?: string } } } };
  const seq = Number(message.payload?.data?.statusEvents?.seq);
  if (Number.isFinite(seq)) samples.push(seq, t);
}

function openOne(args: FanoutOpenArgs): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = args.mode === "graphql" ? new WebSocket(args.url, "graphql-transport-ws") : new WebSocket(args.url);
    const client: Client = { ws, received: 0, subscribed: args.mode === "raw" };
    let settled = false;
    const timer = setTimeout(
      () => fail(new Error(`no handshake within ${HANDSHAKE_TIMEOUT_MS} ms`)),
      HANDSHAKE_TIMEOUT_MS,
    );
    function fail(error: Error) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(error);
    }
    function done() {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(client);
    }
    ws.on("error", (error) => fail(error));
    ws.on("close", (code) => {
      if (!settled) fail(new Error(`closed ${code} during the handshake`));
      else if (!closing) closeCodes[String(code)] = (closeCodes[String(code)] ?? 0) + 1;
    });
    ws.on("open", () => {
      if (args.mode === "raw") return done();
      ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: args.authorization } }));
    });
    ws.on("message", (raw) => {
      const data = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
      if (client.subscribed && data.includes(NEXT_MARK)) {
        onNext(client, data);
        return;
      }
      const text = data.toString("utf8");
      if (!client.subscribed && text.includes('"connection_ack"')) {
        ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: args.query } }));
        client.subscribed = true;
        done();
        return;
      }
      otherMessages++;
      otherExample ??= text.slice(0, 500);
    });
  });
}

async function open(args: FanoutOpenArgs): Promise<{ opened: number; ms: number }> {
  const started = performance.now();
  closing = false;
  let next = 0;
  const worker = async () => {
    while (next < args.count) {
      next++;
      clients.push(await openOne(args));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, args.count) }, worker));
  return { opened: clients.length, ms: performance.now() - started };
}

function reset(newT0: number): void {
  for (const c of clients) c.received = 0;
  total = 0;
  t0 = newT0;
  buckets = [];
  samples = [];
  closeCodes = {};
  otherMessages = 0;
  otherExample = null;
  lastReceiveAt = 0;
}

function stats(): FanoutClientStats {
  return {
    perSocket: clients.map((c) => c.received),
    total,
    bucketMs: BUCKET_MS,
    buckets: Array.from(buckets, (b) => b ?? 0),
    samples,
    closeCodes,
    otherMessages,
    otherExample,
    exampleNext,
    lastReceiveAt,
  };
}

async function closeSockets(): Promise<void> {
  closing = true;
  for (const c of clients) c.ws.terminate();
  clients.length = 0;
}

serveCommands<FanoutClientCommands, Record<string, never>>({
  name: "fanout-clients",
  ready: {},
  handlers: {
    open: (args) => open(args),
    reset: async ({ t0: at }) => {
      reset(at);
      return null;
    },
    progress: async () => {
      let min = Number.POSITIVE_INFINITY;
      let openCount = 0;
      for (const c of clients) {
        if (c.received < min) min = c.received;
        if (c.ws.readyState === WebSocket.OPEN) openCount++;
      }
      return { total, minPerSocket: clients.length === 0 ? 0 : min, open: openCount };
    },
    stats: async () => stats(),
    takeSamples: async () => {
      const taken = samples;
      samples = [];
      return { samples: taken, total };
    },
    closeSockets: async () => {
      await closeSockets();
      return null;
    },
  },
  cleanup: closeSockets,
}).catch((error: unknown) => {
  process.stderr.write(`fanout-clients: ${describe(error)}\n`);
  process.exit(1);
});
