import { type ChildProcess, fork } from "node:child_process";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SERVER_NODE_FLAGS } from "../../apps/server/src/runtime/NodeFlags.ts";
import { bundleNodeEntry } from "../bundle-node.ts";
import type { CommandMap, CommandReply, CommandRequest, ReadyMessage } from "./protocol.ts";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

const bundles = new Map<string, Promise<string>>();

/**
 * The bench's processes run as production runs the server: bundled, under plain node with the
 * server's flags (tsx's loader thread alone is ~30 MB of RSS on Node 20). `entry` is relative to
 * the repository; each is built once per bench run from the current sources.
 */
export function bundled(entry: string): Promise<string> {
  const source = join(REPO_ROOT, entry);
  let built = bundles.get(source);
  if (!built) {
    const outfile = `${REPO_ROOT}.bench/build/${basename(source).replace(/\.ts$/, "")}.mjs`;
    built = bundleNodeEntry(source, outfile).then(() => outfile);
    bundles.set(source, built);
  }
  return built;
}

/** Every child still running, so no exit path of the parent can leave one behind. */
const running = new Set<ChildProcess>();
const handles = new Set<{ stop(graceMs: number): Promise<void> }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL is the one thing that still works here.
  process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}

/** Every child understands "close": it releases what it holds, replies, then exits. */
export type ClosableCommands = CommandMap & { close: { args: Record<string, never>; result: null } };

/** Closes every child still running (each drops what it holds), killing those that do not exit in time. */
export async function stopAllChildren(graceMs: number): Promise<void> {
  await Promise.all([...handles].map((h) => h.stop(graceMs)));
}

/**
 * Puts a process that does not speak the bench protocol (the real server, started with spawn) under
 * the same guarantees: `stopAllChildren` calls `stop`, and the parent's exit kills it.
 */
export function trackProcess(child: ChildProcess, stop: (graceMs: number) => Promise<void>): void {
  installExitHook();
  running.add(child);
  const handle = { stop };
  handles.add(handle);
  const forget = () => {
    running.delete(child);
    handles.delete(handle);
  };
  if (child.exitCode !== null || child.signalCode !== null) forget();
  else child.once("exit", forget);
}

export class ChildFailedError extends Error {
  override readonly name = "ChildFailedError";
}

interface Pending {
  cmd: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * A child process speaking the bench protocol: `request()` sends one command and resolves with its
 * reply, rejects on an error reply, on timeout, or when the child dies first.
 */
export class ChildHandle<C extends ClosableCommands> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited: string | null = null;
  private readonly exitPromise: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.exitPromise = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        running.delete(child);
        handles.delete(this);
        this.exited = signal ? `killed by ${signal}` : `exited with code ${code}`;
        for (const [id, p] of this.pending) {
          clearTimeout(p.timer);
          p.reject(new ChildFailedError(`${name} ${this.exited} while handling "${p.cmd}" (request ${id})`));
        }
        this.pending.clear();
        resolve();
      });
    });
    child.on("message", (message: unknown) => this.onMessage(message));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Starts `scripts/bench/<script>`, bundled, under plain node and waits for its ready message.
   * stdout goes to our stderr: the parent's stdout carries only the result table.
   */
  static async start<C extends ClosableCommands, R>(
    name: string,
    script: string,
    args: string[],
    readyTimeoutMs: number,
    nodeFlags: string[] = [],
  ): Promise<{ handle: ChildHandle<C>; ready: R }> {
    installExitHook();
    const child = fork(await bundled(join("scripts/bench", script)), args, {
      cwd: REPO_ROOT,
      // Set explicitly: tsx's own loader flags in our execArgv are not what a child should inherit.
      execArgv: [...SERVER_NODE_FLAGS, ...nodeFlags],
      stdio: ["ignore", 2, 2, "ipc"],
      serialization: "json",
    });
    running.add(child);
    const handle = new ChildHandle<C>(name, child);
    handles.add(handle);
    const ready = await new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new ChildFailedError(`${name} was not ready within ${readyTimeoutMs} ms`));
      }, readyTimeoutMs);
      const onMessage = (message: unknown) => {
        if (isReady(message)) {
          clearTimeout(timer);
          child.off("message", onMessage);
          // The child's own ready payload; its shape is fixed by protocol.ts on both sides.
          resolve(message.info as R);
        }
      };
      child.on("message", onMessage);
      child.once("exit", () => {
        clearTimeout(timer);
        reject(new ChildFailedError(`${name} ${handle.exited ?? "exited"} before it was ready`));
      });
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(new ChildFailedError(`${name} could not start: ${error.message}`));
      });
    }).catch((error: unknown) => {
      handle.kill();
      throw error;
    });
    return { handle, ready };
  }

  request<K extends keyof C & string>(cmd: K, args: C[K]["args"], timeoutMs: number): Promise<C[K]["result"]> {
    if (this.exited !== null) return Promise.reject(new ChildFailedError(`${this.name} ${this.exited}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ChildFailedError(`${this.name} did not answer "${cmd}" within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      // The reply's shape is the command's result type by protocol; both ends compile against protocol.ts.
      this.pending.set(id, { cmd, resolve: (result) => resolve(result as C[K]["result"]), reject, timer });
      const request: CommandRequest = { id, cmd, args };
      this.child.send(request, (error) => {
        if (!error) return;
        const p = this.pending.get(id);
        if (!p) return;
        clearTimeout(p.timer);
        this.pending.delete(id);
        p.reject(new ChildFailedError(`cannot send "${cmd}" to ${this.name}: ${error.message}`));
      });
    });
  }

  /**
   * Asks the child to close (so a PostgreSQL database is dropped), then kills it if it has not
   * exited within `graceMs`. Never throws: it runs on error paths too.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.exited !== null) return;
    if (this.child.connected) {
      await this.request("close", {} as C["close"]["args"], graceMs).catch(() => {});
    }
    const exited = await Promise.race([
      this.exitPromise.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref()),
    ]);
    if (!exited) {
      this.kill();
      await this.exitPromise;
    }
  }

  kill(): void {
    if (this.exited === null) this.child.kill("SIGKILL");
  }

  private onMessage(message: unknown): void {
    if (!isReply(message)) return;
    const p = this.pending.get(message.id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(message.id);
    if (message.ok) p.resolve(message.result);
    else p.reject(new ChildFailedError(`${this.name}: ${message.error}`));
  }
}

function isReady(message: unknown): message is ReadyMessage<unknown> {
  return typeof message === "object" && message !== null && (message as { type?: unknown }).type === "ready";
}

function isReply(message: unknown): message is CommandReply {
  return (
    typeof message === "object" &&
    message !== null &&
    typeof (message as { id?: unknown }).id === "number" &&
    typeof (message as { ok?: unknown }).ok === "boolean"
  );
}
