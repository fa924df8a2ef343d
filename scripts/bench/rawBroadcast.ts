/**
 * The fan-out baseline: a plain `ws` server (the same ws the product uses) that broadcasts
 * pre-serialised frames, each as large as a real graphql-ws `next` message, to every socket at the
 * offered rate. Each frame is serialised once and the same Buffer goes to every socket. Delivery
 * keeps at most BURST frames in flight per socket (the next burst goes when the previous one was
 * written), so a socket that falls behind costs a cursor into the shared frame list, not memory
 * without bound, and nothing is dropped.
 */
import { WebSocket, WebSocketServer } from "./deps.ts";
import { type BroadcastArgs, type ProducedRun, type RawBroadcastCommands, wallNow } from "./protocol.ts";
import { describe, serveCommands } from "./serve.ts";

const BURST = 256;

interface Peer {
  ws: WebSocket;
  cursor: number;
  busy: boolean;
}

const frames: Buffer[] = [];
const peers = new Set<Peer>();

/** The running broadcast: frames are due by the clock, each stamped with its scheduled tick. */
interface Schedule {
  started: number;
  args: BroadcastArgs;
  /** Seq of the last frame before this broadcast. */
  base: number;
  total: number;
  perTick: number;
}
let schedule: Schedule | null = null;

/**
 * Makes every frame due by now available. Frames are due on a fixed schedule (perTick of them
 * every tickMs) and carry that scheduled time, not the time this process got round to it: a
 * broadcaster too busy sending to keep its timers pays for it in latency, as a late commit would.
 */
function materialise(now: number): void {
  if (!schedule) return;
  const { started, args, base, total, perTick } = schedule;
  const ticksDue = Math.floor((now - started) / args.tickMs) + 1;
  const due = Math.min(total, ticksDue * perTick);
  while (frames.length - base < due) {
    const index = frames.length - base;
    const at = started + Math.floor(index / perTick) * args.tickMs;
    frames.push(frame(frames.length + 1, at, args.frameBytes));
  }
}

function pump(peer: Peer): void {
  if (peer.busy || peer.ws.readyState !== WebSocket.OPEN) return;
  materialise(wallNow());
  if (peer.cursor >= frames.length) return;
  peer.busy = true;
  const end = Math.min(frames.length, peer.cursor + BURST);
  while (peer.cursor < end - 1) peer.ws.send(frames[peer.cursor++] as Buffer);
  peer.ws.send(frames[peer.cursor++] as Buffer, () => {
    peer.busy = false;
    pump(peer);
  });
}

function frame(seq: number, at: number, bytes: number): Buffer {
  const text = `{"id":"1","type":"next","payload":{"data":{"statusEvents":{"seq":"${seq}","at":"${new Date(at).toISOString()}"}}}}`;
  if (text.length >= bytes) return Buffer.from(text);
  return Buffer.from(`${text.slice(0, -1)}${" ".repeat(bytes - text.length)}}`);
}

async function broadcast(args: BroadcastArgs): Promise<ProducedRun> {
  const perTick = Math.max(1, Math.round((args.rate * args.tickMs) / 1000));
  const total = Math.round((args.rate * args.durationMs) / 1000);
  const started = wallNow();
  const base = frames.length;
  schedule = { started, args, base, total, perTick };
  for (let tick = 1; frames.length - base < total; tick++) {
    materialise(wallNow());
    for (const peer of peers) pump(peer);
    const wait = started + tick * args.tickMs - wallNow();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  for (const peer of peers) pump(peer);
  const batches: ProducedRun["batches"] = [];
  for (let first = 0; first < total; first += perTick) {
    batches.push({
      firstSeq: base + first + 1,
      lastSeq: base + Math.min(total, first + perTick),
      at: started + (first / perTick) * args.tickMs,
    });
  }
  return { batches, produced: total, startedAt: started, endedAt: batches.at(-1)?.at ?? started };
}

async function main(): Promise<void> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve, reject) => {
    wss.once("listening", () => resolve());
    wss.once("error", reject);
  });
  wss.on("connection", (ws) => {
    // New sockets start at the live end, as a live-only subscription does.
    const peer: Peer = { ws, cursor: frames.length, busy: false };
    peers.add(peer);
    ws.on("close", () => peers.delete(peer));
    ws.on("error", () => {});
  });
  const address = wss.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await serveCommands<RawBroadcastCommands, { port: number }>({
    name: "raw-broadcast",
    ready: { port },
    handlers: {
      waitClients: async ({ count, timeoutMs }) => {
        const deadline = performance.now() + timeoutMs;
        while (peers.size < count && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        return { connected: peers.size };
      },
      broadcast: (args) => broadcast(args),
    },
    cleanup: async () => {
      for (const peer of peers) peer.ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`raw-broadcast: ${describe(error)}\n`);
  process.exit(1);
});
