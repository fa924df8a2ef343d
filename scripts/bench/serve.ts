import type { CommandMap, CommandReply, CommandRequest, ReadyMessage } from "./protocol.ts";

/** "close" is handled here, through `cleanup`, so every child closes the same way. */
type Served<C> = Exclude<keyof C, "close">;
export type Handlers<C extends CommandMap> = { [K in Served<C>]: (args: C[K]["args"]) => Promise<C[K]["result"]> };

export interface ServeOptions<C extends CommandMap, R> {
  name: string;
  handlers: Handlers<C>;
  ready: R;
  /** Releases what the child holds (a PostgreSQL database to drop); runs on "close" and when orphaned. */
  cleanup(): Promise<void>;
}

const ORPHAN_CLEANUP_MS = 10_000;

function send(message: CommandReply | ReadyMessage<unknown>): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) {
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

/**
 * The child side of the bench protocol: runs one command at a time, in arrival order (measurements
 * must not overlap), replies to each; "close" (at any moment), a signal or losing the parent make it
 * clean up and exit.
 */
export async function serveCommands<C extends CommandMap, R>(options: ServeOptions<C, R>): Promise<void> {
  if (!process.send) throw new Error(`${options.name} must be started by scripts/bench.ts (no IPC channel)`);
  let closing = false;
  let queue: Promise<void> = Promise.resolve();

  /** Cleans up once, then exits; `reply` answers a "close" request first. */
  const shutdown = async (code: number, reply?: number) => {
    if (closing) return;
    closing = true;
    // Cleanup must not hang the child forever (a pool waiting for a query that never ends).
    setTimeout(() => process.exit(code === 0 ? 1 : code), ORPHAN_CLEANUP_MS).unref();
    await options.cleanup().catch((error: unknown) => {
      process.stderr.write(`${options.name}: cleanup failed: ${describe(error)}\n`);
    });
    if (reply !== undefined) await send({ id: reply, ok: true, result: null });
    process.exit(code);
  };

  // The parent died or dropped the channel: nobody will ever send "close", so clean up and go.
  process.on("disconnect", () => void shutdown(1));
  process.once("SIGINT", () => void shutdown(130));
  process.once("SIGTERM", () => void shutdown(143));

  process.on("message", (message: unknown) => {
    if (!isRequest(message)) return;
    // Not queued: a parent that is giving up must not wait for a long command to finish first.
    if (message.cmd === "close") {
      void shutdown(0, message.id);
      return;
    }
    queue = queue.then(async () => {
      if (closing) return;
      const handler = options.handlers[message.cmd as Served<C>];
      if (!handler) {
        await send({ id: message.id, ok: false, error: `unknown command "${message.cmd}"` });
        return;
      }
      try {
        // The arguments' shape is the command's by protocol; the parent compiles against the same types.
        const result = await handler(message.args as C[Served<C>]["args"]);
        await send({ id: message.id, ok: true, result });
      } catch (error) {
        await send({ id: message.id, ok: false, error: describe(error) });
      }
    });
  });
  await send({ type: "ready", info: options.ready });
}

function isRequest(message: unknown): message is CommandRequest {
  return (
    typeof message === "object" &&
    message !== null &&
    typeof (message as { id?: unknown }).id === "number" &&
    typeof (message as { cmd?: unknown }).cmd === "string"
  );
}

export function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
