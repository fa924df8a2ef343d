import { type EnrollmentStatus, STATUSES } from "../../lib/status.ts";

export interface TransitionLike {
  seq: string;
  at: string;
  from: EnrollmentStatus | null;
  to: EnrollmentStatus;
}

interface Bucket {
  /** Bucket start, ms since the epoch, aligned to the bucket width. */
  start: number;
  /** Counts per status (STATUSES order) after the last event in the bucket. */
  counts: number[];
}

/**
 * Counts per status over time, rebuilt from the status events (every device's first event has
 * from = null, so replaying from seq 0 yields exact counts at every instant). Memory is bounded: at
 * most `maxBuckets` snapshots; when time runs past that, the bucket width doubles and neighbouring
 * snapshots merge (the later one wins, being the state at the end of the merged bucket).
 */
export class CountSeries {
  private readonly running = STATUSES.map(() => 0);
  private buckets: Bucket[] = [];
  private width: number;
  private last: bigint | null = null;

  constructor(
    private readonly maxBuckets = 240,
    initialWidthMs = 60_000,
  ) {
    this.width = initialWidthMs;
  }

  /** The seq of the last event applied, or null before any. */
  get lastSeq(): string | null {
    return this.last === null ? null : this.last.toString();
  }

  get bucketWidthMs(): number {
    return this.width;
  }

  get size(): number {
    return this.buckets.length;
  }

  /** Current counts per status. */
  counts(): Record<EnrollmentStatus, number> {
    return Object.fromEntries(STATUSES.map((s, i) => [s, this.running[i] ?? 0])) as Record<EnrollmentStatus, number>;
  }

  /**
   * Applies one event; events must come in seq order. Returns "applied", "duplicate" (already
   * applied) or "gap" (events are missing before it: the caller fetches them first).
   */
  apply(event: TransitionLike): "applied" | "duplicate" | "gap" {
    const seq = BigInt(event.seq);
    if (this.last !== null && seq <= this.last) return "duplicate";
    if (this.last !== null && seq !== this.last + 1n) return "gap";
    this.last = seq;
    if (event.from) this.bump(event.from, -1);
    this.bump(event.to, 1);
    const at = Date.parse(event.at);
    const start = Math.floor((Number.isNaN(at) ? Date.now() : at) / this.width) * this.width;
    const tail = this.buckets.at(-1);
    if (tail && start <= tail.start) {
      tail.counts = [...this.running];
    } else {
      this.buckets.push({ start, counts: [...this.running] });
      if (this.buckets.length > this.maxBuckets) this.coarsen();
    }
    return "applied";
  }

  /** Marks the stream as starting after `seq` without replaying (when history is not wanted). */
  startAfter(seq: string): void {
    if (this.last === null) this.last = BigInt(seq);
  }

  private bump(status: EnrollmentStatus, delta: number) {
    const i = STATUSES.indexOf(status);
    if (i >= 0) this.running[i] = (this.running[i] ?? 0) + delta;
  }

  private coarsen() {
    this.width *= 2;
    const merged: Bucket[] = [];
    for (const bucket of this.buckets) {
      const start = Math.floor(bucket.start / this.width) * this.width;
      const tail = merged.at(-1);
      if (tail && tail.start === start) tail.counts = bucket.counts;
      else merged.push({ start, counts: bucket.counts });
    }
    this.buckets = merged;
  }

  /**
   * uPlot's data: x in seconds (each bucket's end, capped at `now`) and one column per status,
   * starting from zero at the first bucket's start and ending with the current counts at `now`, so
   * the lines reach the present.
   */
  toColumns(now: number = Date.now()): [number[], ...number[][]] {
    const xs: number[] = [];
    const ys = STATUSES.map(() => [] as number[]);
    const first = this.buckets[0];
    if (first) {
      // Before the first event Enrollwatch knew no device: the series starts from zero.
      xs.push(first.start / 1000);
      for (const y of ys) y.push(0);
    }
    for (const bucket of this.buckets) {
      xs.push(Math.min(bucket.start + this.width, now) / 1000);
      bucket.counts.forEach((c, i) => {
        ys[i]?.push(c);
      });
    }
    if (this.buckets.length > 0) {
      const lastX = xs.at(-1) ?? 0;
      if (now / 1000 > lastX) {
        xs.push(now / 1000);
        this.running.forEach((c, i) => {
          ys[i]?.push(c);
        });
      }
    }
    return [xs, ...ys];
  }
}
