import { type Accessor, createSignal } from "solid-js";

export interface SeqEvent {
  /** Position in the server's global, gap-free event order: a bigint as a decimal string. */
  seq: string;
}

export type BatchListener<E> = (batch: readonly E[]) => void;

/**
 * The dashboard's copy of the status event stream. It keeps the highest seq it has accepted, so a
 * re-subscription can resume right after it, and it drops anything at or below that seq, so an
 * event delivered twice around a reconnect (in flight on the old socket, replayed on the new one)
 * is shown once. Accepted events reach listeners in batches, at most every `flushMs`, so a burst of
 * a thousand transitions costs a few renders, not a thousand.
 */
export class LiveEventStore<E extends SeqEvent> {
  readonly lastSeq: Accessor<string | null>;
  private readonly setLastSeq: (seq: string | null) => void;
  private last: bigint | null = null;
  private pending: E[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<BatchListener<E>>();
  /** Counters for the curious (and the tests): accepted events and dropped duplicates. */
  accepted = 0;
  duplicates = 0;

  constructor(private readonly flushMs = 50) {
    const [lastSeq, setLastSeq] = createSignal<string | null>(null);
    this.lastSeq = lastSeq;
    this.setLastSeq = setLastSeq;
  }

  /** Takes one event from the wire; returns false when it was already seen. */
  push(event: E): boolean {
    const seq = BigInt(event.seq);
    if (this.last !== null && seq <= this.last) {
      this.duplicates++;
      return false;
    }
    this.last = seq;
    this.accepted++;
    this.setLastSeq(event.seq);
    this.pending.push(event);
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
    return true;
  }

  /**
   * Sets the starting point when nothing has been received yet (e.g. the newest seq the history
   * loader read), so a disconnect before the first live event still resumes without a gap.
   */
  seed(seq: string): void {
    if (this.last !== null) return;
    this.last = BigInt(seq);
    this.setLastSeq(seq);
  }

  /** The `afterSeq` to subscribe with: everything after what was accepted, or live-only at first. */
  resumeAfter(): string | undefined {
    return this.last === null ? undefined : this.last.toString();
  }

  /** Delivers the pending batch now (listeners normally get it after `flushMs`). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    for (const listener of this.listeners) listener(batch);
  }

  listen(listener: BatchListener<E>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.listeners.clear();
  }
}

export interface EventSink<E> {
  next(event: E): void;
  error(error: unknown): void;
  complete(): void;
}

/** What the feed needs from the WebSocket client (graphql-ws in the app, a fake in tests). */
export interface EventTransport<E> {
  /** Called on every (re)connection, once the server acknowledged the connection. */
  onConnected(listener: () => void): () => void;
  /** Called whenever the socket closes, whatever the reason. */
  onClosed(listener: () => void): () => void;
  /** Subscribes to statusEvents after `afterSeq` (live only when undefined); returns the unsubscribe. */
  subscribe(afterSeq: string | undefined, sink: EventSink<E>): () => void;
}

/**
 * Keeps one statusEvents subscription running across reconnections. graphql-ws would re-send a
 * subscription's original payload after a reconnect, i.e. replay from the original `afterSeq`; so
 * the feed drops its subscription when the socket closes and, once reconnected, subscribes again
 * after the last seq the store accepted. The server replays the missed events in order and then goes
 * live: nothing is missed, and the store drops whatever arrives twice.
 */
export function startEventFeed<E extends SeqEvent>(
  store: LiveEventStore<E>,
  transport: EventTransport<E>,
  options: { retryAfterErrorMs?: number; onError?: (error: unknown) => void } = {},
): () => void {
  let unsubscribe: (() => void) | null = null;
  let generation = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const start = () => {
    clearTimeout(retryTimer);
    unsubscribe?.();
    const mine = ++generation;
    unsubscribe = transport.subscribe(store.resumeAfter(), {
      // Late events from an older subscription are still real events: the store dedupes them.
      next: (event) => store.push(event),
      error: (error) => {
        options.onError?.(error);
        if (mine !== generation) return;
        // A GraphQL error (not a socket close, which onClosed handles): try again a bit later.
        unsubscribe = null;
        retryTimer = setTimeout(start, options.retryAfterErrorMs ?? 2_000);
      },
      complete: () => {},
    });
  };
  const stop = () => {
    clearTimeout(retryTimer);
    generation++;
    const current = unsubscribe;
    unsubscribe = null;
    current?.();
  };

  const offConnected = transport.onConnected(start);
  const offClosed = transport.onClosed(stop);
  return () => {
    offConnected();
    offClosed();
    stop();
  };
}
