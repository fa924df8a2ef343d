import { type FleetClient, FleetFetchError } from "./FleetClient.ts";
import { type FleetHostRecord, toHostRecord } from "./FleetHostRecord.ts";
import type { FleetListHost } from "./FleetSchemas.ts";

/**
 * Fetches host details in the background, a few at a time, while the host list keeps paging: a
 * page whose hosts need details is not held up by them, so detail round trips overlap the list
 * instead of adding to it. Each detailed host is handed to `onRecord` as its details arrive. The
 * first failure stops the queue (outstanding requests are aborted) and is thrown by `drain()`.
 * A host whose details are gone (404) was deleted after its page was listed (an admin unenrolled
 * it meanwhile, say): it is skipped, not a failure, and the sync marks it missing from Fleet.
 */
export class HostDetailQueue {
  private readonly waiting: FleetListHost[] = [];
  private nextWaiting = 0;
  private active = 0;
  private failure: { error: unknown } | null = null;
  /** Set by abort(): a response already on its way is no longer handed over. */
  private stopped = false;
  private readonly abortController = new AbortController();
  private idle: (() => void) | null = null;
  /** Hosts skipped because Fleet no longer had them when their details were asked for. */
  vanished = 0;

  constructor(
    private readonly fleet: Pick<FleetClient, "getHost" | "detailRequestsInFlight">,
    private readonly onRecord: (record: FleetHostRecord) => void,
  ) {}

  push(host: FleetListHost): void {
    if (this.failure || this.stopped) return;
    this.waiting.push(host);
    this.pump();
  }

  /** Resolves once every pushed host was handed over; throws the first failure. */
  async drain(): Promise<void> {
    if (this.active > 0 || this.nextWaiting < this.waiting.length) {
      await new Promise<void>((resolve) => {
        this.idle = resolve;
      });
    }
    if (this.failure) throw this.failure.error;
  }

  /** Stops fetching: requests in flight are aborted, waiting hosts dropped. */
  abort(): void {
    this.stopped = true;
    this.abortController.abort();
    this.waiting.length = 0;
    this.nextWaiting = 0;
  }

  private pump(): void {
    const limit = this.fleet.detailRequestsInFlight;
    while (!this.failure && !this.stopped && this.active < limit && this.nextWaiting < this.waiting.length) {
      const host = this.waiting[this.nextWaiting++] as FleetListHost;
      if (this.nextWaiting === this.waiting.length) {
        this.waiting.length = 0;
        this.nextWaiting = 0;
      }
      this.active++;
      this.fleet
        .getHost(host.id, this.abortController.signal)
        .then((detail) => {
          if (this.failure || this.stopped) return;
          this.onRecord(toHostRecord(host, detail));
        })
        .catch((error: unknown) => {
          if (error instanceof FleetFetchError && error.kind === "not_found") {
            this.vanished++;
            return;
          }
          if (this.failure) return;
          this.failure = { error };
          this.abort();
        })
        .finally(() => {
          this.active--;
          this.pump();
          if (this.active === 0 && (this.failure || this.nextWaiting >= this.waiting.length)) {
            const idle = this.idle;
            this.idle = null;
            idle?.();
          }
        });
    }
  }
}
