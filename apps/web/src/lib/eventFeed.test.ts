// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type EventSink, type EventTransport, LiveEventStore, type SeqEvent, startEventFeed } from "./eventFeed.ts";

interface Ev extends SeqEvent {
  n: number;
}
const ev = (seq: number): Ev => ({ seq: String(seq), n: seq });

/** A stand-in for graphql-ws: records subscriptions and lets the test drive connects and closes. */
class FakeTransport implements EventTransport<Ev> {
  connected = new Set<() => void>();
  closed = new Set<() => void>();
  subscriptions: { afterSeq: string | undefined; sink: EventSink<Ev>; active: boolean }[] = [];
  onConnected(listener: () => void) {
    this.connected.add(listener);
    return () => this.connected.delete(listener);
  }
  onClosed(listener: () => void) {
    this.closed.add(listener);
    return () => this.closed.delete(listener);
  }
  subscribe(afterSeq: string | undefined, sink: EventSink<Ev>) {
    const sub = { afterSeq, sink, active: true };
    this.subscriptions.push(sub);
    return () => {
      sub.active = false;
    };
  }
  connect() {
    for (const l of this.connected) l();
  }
  close() {
    for (const l of this.closed) l();
  }
  get current() {
    const sub = this.subscriptions.at(-1);
    if (!sub) throw new Error("no subscription");
    return sub;
  }
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("LiveEventStore", () => {
  it("accepts each seq once, remembers the highest and delivers batches", () => {
    const store = new LiveEventStore<Ev>(50);
    const batches: number[][] = [];
    store.listen((batch) => batches.push(batch.map((e) => e.n)));
    expect(store.resumeAfter()).toBeUndefined();
    expect([1, 2, 2, 3, 1].map((n) => store.push(ev(n)))).toEqual([true, true, false, true, false]);
    expect(store.lastSeq()).toBe("3");
    expect(store.resumeAfter()).toBe("3");
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(50);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(store.duplicates).toBe(2);
    expect(store.accepted).toBe(3);
  });

  it("compares seqs as big integers, not strings", () => {
    const store = new LiveEventStore<Ev>();
    store.push(ev(9));
    expect(store.push(ev(10))).toBe(true);
    expect(store.push({ seq: "9007199254740993", n: 0 })).toBe(true);
    expect(store.push({ seq: "9007199254740992", n: 0 })).toBe(false);
  });

  it("takes a seed only before the first event", () => {
    const store = new LiveEventStore<Ev>();
    store.seed("41");
    expect(store.resumeAfter()).toBe("41");
    expect(store.push(ev(41))).toBe(false);
    expect(store.push(ev(42))).toBe(true);
    store.seed("7");
    expect(store.resumeAfter()).toBe("42");
  });
});

describe("startEventFeed", () => {
  it("subscribes live on connect, drops the subscription on close and resumes after the last seq", () => {
    const store = new LiveEventStore<Ev>(10);
    const transport = new FakeTransport();
    const seen: number[] = [];
    store.listen((batch) => seen.push(...batch.map((e) => e.n)));
    const stop = startEventFeed(store, transport);

    transport.connect();
    expect(transport.subscriptions).toHaveLength(1);
    expect(transport.current.afterSeq).toBeUndefined();
    for (const n of [5, 6, 7]) transport.current.sink.next(ev(n));

    // The server goes away: the old subscription must not be re-sent as it was (afterSeq unset).
    const first = transport.current;
    transport.close();
    expect(first.active).toBe(false);
    // An event still in flight on the dying socket is not lost, and not doubled later.
    first.sink.next(ev(8));

    transport.connect();
    expect(transport.subscriptions).toHaveLength(2);
    expect(transport.current.afterSeq).toBe("8");
    // The server replays after 8; a duplicate around the switch is dropped.
    for (const n of [8, 9, 10, 11]) transport.current.sink.next(ev(n));
    vi.advanceTimersByTime(10);
    expect(seen).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(store.duplicates).toBe(1);

    stop();
    expect(transport.current.active).toBe(false);
    expect(transport.connected.size).toBe(0);
  });

  it("replaces a subscription that reconnects without a close in between", () => {
    const store = new LiveEventStore<Ev>();
    const transport = new FakeTransport();
    startEventFeed(store, transport);
    transport.connect();
    transport.current.sink.next(ev(1));
    const first = transport.current;
    transport.connect();
    expect(first.active).toBe(false);
    expect(transport.current.afterSeq).toBe("1");
  });

  it("subscribes again after a GraphQL error, from where it stood", () => {
    const store = new LiveEventStore<Ev>();
    const transport = new FakeTransport();
    const onError = vi.fn();
    startEventFeed(store, transport, { retryAfterErrorMs: 1000, onError });
    transport.connect();
    transport.current.sink.next(ev(3));
    transport.current.sink.error(new Error("boom"));
    expect(onError).toHaveBeenCalledOnce();
    expect(transport.subscriptions).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(transport.subscriptions).toHaveLength(2);
    expect(transport.current.afterSeq).toBe("3");
  });

  it("does not retry after an error once the socket has closed (the reconnect resubscribes)", () => {
    const store = new LiveEventStore<Ev>();
    const transport = new FakeTransport();
    startEventFeed(store, transport, { retryAfterErrorMs: 1000 });
    transport.connect();
    const sub = transport.current;
    transport.close();
    sub.sink.error(new Error("socket closed"));
    vi.advanceTimersByTime(5000);
    expect(transport.subscriptions).toHaveLength(1);
  });
});
