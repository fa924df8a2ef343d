export interface SimClockOptions {
  /** Virtual time at which the simulation starts. Defaults to the real current time, whole seconds. */
  startTime?: Date;
  /** Virtual milliseconds per real millisecond (60 = one virtual minute per real second). Default 1. */
  timeScale?: number;
  /** Start frozen: virtual time moves only through advance(). What tests want. */
  manual?: boolean;
}

/**
 * Virtual time for the simulated fleet: startTime + real elapsed × timeScale + every advance().
 * Whole milliseconds, never goes backwards.
 */
export class SimClock {
  readonly startTime: Date;
  readonly timeScale: number;
  private baseVirtual: number;
  private baseReal: number;
  private isFrozen: boolean;

  constructor(options: SimClockOptions = {}) {
    const start = options.startTime?.getTime() ?? Math.floor(Date.now() / 1000) * 1000;
    if (!Number.isFinite(start)) throw new RangeError("startTime is not a valid date");
    const scale = options.timeScale ?? 1;
    if (!Number.isFinite(scale) || scale <= 0) throw new RangeError("timeScale must be a positive number");
    this.startTime = new Date(start);
    this.timeScale = scale;
    this.baseVirtual = start;
    this.baseReal = performance.now();
    this.isFrozen = options.manual ?? false;
  }

  /** Virtual now, epoch milliseconds. */
  now(): number {
    if (this.isFrozen) return this.baseVirtual;
    return this.baseVirtual + Math.floor((performance.now() - this.baseReal) * this.timeScale);
  }

  nowDate(): Date {
    return new Date(this.now());
  }

  get frozen(): boolean {
    return this.isFrozen;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError("advance() takes a non-negative number of ms");
    this.rebase();
    this.baseVirtual += Math.floor(ms);
  }

  /** Stops real time from moving the virtual clock; advance() still works. */
  freeze(): void {
    this.rebase();
    this.isFrozen = true;
  }

  resume(): void {
    this.rebase();
    this.isFrozen = false;
  }

  private rebase(): void {
    this.baseVirtual = this.now();
    this.baseReal = performance.now();
  }
}
