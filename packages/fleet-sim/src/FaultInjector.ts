import type { RouteName } from "./RequestLog.ts";

export type FaultRoute = RouteName | "any";

export type FaultSpec =
  | { kind: "status"; status: 500 | 502 | 503 }
  | { kind: "rateLimit"; retryAfterSeconds: number }
  /** Holds the response for `ms`, then answers normally (unless the client gave up first). */
  | { kind: "timeout"; ms: number }
  /** 200 with a body that is not JSON. */
  | { kind: "malformedJson" }
  /** 200 with valid JSON of the wrong shape (ids missing or strings, counts as strings...). */
  | { kind: "badShape" }
  /** 200 with the right shape, but one host's seen_time is a date that does not exist (list, detail). */
  | { kind: "badTime" }
  /** Announces the full Content-Length, sends half the body, then drops the connection. */
  | { kind: "truncate" }
  /**
   * List only: after serving the page, a host appears with a low id and one from a later page is
   * deleted, so offset paging repeats a host while `after` paging stays exact.
   */
  | { kind: "changeDuringPaging" };

export type FaultKind = FaultSpec["kind"];

export type FaultOptions = FaultSpec & {
  /** Which requests the fault hits. Default "any", or "list" for changeDuringPaging. */
  route?: FaultRoute;
  /** How many matching requests it hits (default 1; Infinity for every one). */
  times?: number;
  /** Lets the first k matching requests through untouched. */
  afterRequests?: number;
};

export interface Fault {
  readonly id: number;
  readonly spec: FaultSpec;
  readonly route: FaultRoute;
  /** Matching requests seen so far, hit or not. */
  readonly seen: number;
  readonly hits: number;
  readonly remaining: number;
}

interface FaultState {
  id: number;
  spec: FaultSpec;
  route: FaultRoute;
  skip: number;
  seen: number;
  hits: number;
  remaining: number;
}

/** Faults armed by tests; the server asks it, once per authenticated request, what to break. */
export class FaultInjector {
  private faults: FaultState[] = [];
  private nextId = 1;

  add(options: FaultOptions): Fault {
    const { route, times, afterRequests, ...spec } = options;
    const remaining = times ?? 1;
    const skip = afterRequests ?? 0;
    if (!(remaining > 0)) throw new RangeError("times must be positive");
    if (!(skip >= 0)) throw new RangeError("afterRequests must be >= 0");
    validate(spec);
    const state: FaultState = {
      id: this.nextId++,
      spec,
      route: route ?? (spec.kind === "changeDuringPaging" ? "list" : "any"),
      skip,
      seen: 0,
      hits: 0,
      remaining,
    };
    this.faults.push(state);
    return snapshot(state);
  }

  clear(): void {
    this.faults = [];
  }

  remove(id: number): void {
    this.faults = this.faults.filter((f) => f.id !== id);
  }

  /** Armed faults, including their counters. */
  active(): Fault[] {
    return this.faults.map(snapshot);
  }

  /** Decides the fault (if any) for one request. Every matching fault counts it; the oldest due one hits. */
  take(route: RouteName): FaultSpec | undefined {
    let hit: FaultState | undefined;
    for (const fault of this.faults) {
      if (fault.route !== "any" && fault.route !== route) continue;
      fault.seen += 1;
      if (!hit && fault.seen > fault.skip && fault.remaining > 0) hit = fault;
    }
    if (!hit) return undefined;
    hit.hits += 1;
    hit.remaining -= 1;
    if (hit.remaining <= 0) this.faults = this.faults.filter((f) => f !== hit);
    return hit.spec;
  }
}

function snapshot(state: FaultState): Fault {
  return {
    id: state.id,
    spec: state.spec,
    route: state.route,
    seen: state.seen,
    hits: state.hits,
    remaining: state.remaining,
  };
}

function validate(spec: FaultSpec): void {
  switch (spec.kind) {
    case "status":
      if (![500, 502, 503].includes(spec.status)) throw new RangeError("status fault takes 500, 502 or 503");
      break;
    case "rateLimit":
      if (!(spec.retryAfterSeconds >= 0)) throw new RangeError("retryAfterSeconds must be >= 0");
      break;
    case "timeout":
      if (!(spec.ms >= 0)) throw new RangeError("timeout ms must be >= 0");
      break;
    case "malformedJson":
    case "badShape":
    case "badTime":
    case "truncate":
    case "changeDuringPaging":
      break;
    default:
      throw new RangeError(`unknown fault kind: ${(spec as { kind: string }).kind}`);
  }
}
