import type { Database } from "@enrollwatch/db";
import { loadDeviceStates, type StoredDeviceState } from "./DeviceStore.ts";

/**
 * Reads every stored device's state in fleetHostId order, a chunk at a time, in the background
 * while Fleet is being paged (in the same order): a page waits only for the states of its own
 * hosts, so the first page is decided after one small query instead of after the whole table.
 */
export class DeviceStateLoader {
  readonly states = new Map<number, StoredDeviceState>();
  private loadedThrough = 0;
  private done = false;
  private cancelled = false;
  private failure: { error: unknown } | null = null;
  private waiters: { throughHostId: number; resolve: () => void }[] = [];
  private readonly loading: Promise<void>;

  /**
   * 2,000 states are ~110 KB of JSON text: a chunk's text stays under V8's large-object size
   * (128 KB), whose fresh mapping per string cost a re-sync ~35 ms at 10,000 a chunk (see
   * HostListJson).
   */
  constructor(
    private readonly db: Database,
    private readonly chunkSize = 2_000,
  ) {
    this.loading = this.load().catch((error: unknown) => {
      this.failure = { error };
      this.wake();
    });
  }

  /** Resolves once the state of every stored device with an id up to `fleetHostId` is in `states`. */
  async through(fleetHostId: number): Promise<void> {
    if (!this.covers(fleetHostId)) {
      await new Promise<void>((resolve) => this.waiters.push({ throughHostId: fleetHostId, resolve }));
    }
    if (this.failure) throw this.failure.error;
  }

  /** Resolves once every stored device's state is in `states`. */
  async all(): Promise<void> {
    await this.loading;
    if (this.failure) throw this.failure.error;
  }

  /** Stops reading after the chunk in flight (the sync failed and needs no more states). */
  cancel(): void {
    this.cancelled = true;
  }

  private covers(fleetHostId: number): boolean {
    return this.done || this.failure !== null || fleetHostId <= this.loadedThrough;
  }

  private async load(): Promise<void> {
    while (!this.cancelled) {
      const chunk = await this.db.withConnection((conn) =>
        loadDeviceStates(conn, { afterFleetHostId: this.loadedThrough, limit: this.chunkSize }),
      );
      for (const state of chunk) this.states.set(state.fleetHostId, state);
      const last = chunk.at(-1);
      if (last) this.loadedThrough = last.fleetHostId;
      if (chunk.length < this.chunkSize) this.done = true;
      this.wake();
      if (this.done) return;
    }
  }

  private wake(): void {
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (this.covers(waiter.throughHostId)) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }
}
