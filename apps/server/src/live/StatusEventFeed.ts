import type { Prisma } from "@enrollwatch/db";
import { prisma } from "../db.ts";
import type { EnrollwatchPubSub } from "../pubsub.ts";

/** What the feed (and the replay before it) loads with every event: its device and the device's owner. */
export const FEED_INCLUDE = { device: { include: { owner: true } } } as const;

/** A committed status event with the device (and owner) it concerns, as subscribers filter on it. */
export type FeedEvent = Prisma.StatusEventGetPayload<{ include: typeof FEED_INCLUDE }>;

/** Called with each batch of new events and the feed position after it. */
export type FeedListener = (events: FeedEvent[], position: bigint) => void;

const PAGE = 1000;
/** How often the feed looks at the database without a signal, repairing a lost one. */
const SAFETY_POLL_MS = 5_000;

/**
 * The one reader of new status events in this process. Every live subscriber listens here instead
 * of querying the database itself, so N subscribers cost one query per commit, not N.
 *
 * `position` is the highest seq handed to listeners. A listener that attaches learns the position
 * at that instant: every event after it will reach the listener, every event up to it has already
 * gone out, so a subscriber replays (afterSeq, position] from the database and nothing is missed
 * or repeated. Event writers are serialised (sync's EventOrdering), so seq order is commit order.
 */
export class StatusEventFeed {
  private readonly listeners = new Set<FeedListener>();
  private position: bigint | undefined;
  private started: Promise<void> | undefined;
  private upTo = 0n;
  private reading = false;
  private again = false;
  private poll: NodeJS.Timeout | undefined;
  private stopSignals: (() => void) | undefined;
  private closed = false;

  constructor(private readonly pubsub: EnrollwatchPubSub) {}

  /** Attaches a listener; resolves with the position that separates replay from live. */
  async attach(listener: FeedListener): Promise<{ position: bigint; detach(): void }> {
    await this.start();
    this.listeners.add(listener);
    return { position: this.position ?? 0n, detach: () => this.listeners.delete(listener) };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.poll);
    this.stopSignals?.();
    this.listeners.clear();
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      const signals = this.pubsub.subscribe("statusEvents");
      this.stopSignals = () => void signals.return?.();
      this.position = await maxCommittedSeq();
      this.upTo = this.position;
      void (async () => {
        for await (const signal of signals) {
          if (this.closed) return;
          const seq = BigInt(signal.upToSeq);
          if (seq > this.upTo) this.upTo = seq;
          this.catchUp();
        }
      })();
      this.poll = setInterval(() => {
        maxCommittedSeq().then(
          (seq) => {
            if (seq > this.upTo) this.upTo = seq;
            this.catchUp();
          },
          () => {},
        );
      }, SAFETY_POLL_MS);
      this.poll.unref();
    })();
    return this.started;
  }

  /** One read at a time; a signal during a read makes it go round once more. */
  private catchUp(): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    void this.read();
  }

  private async read(): Promise<void> {
    try {
      do {
        this.again = false;
        while (!this.closed && this.position !== undefined && this.position < this.upTo) {
          // A signal may raise upTo while the query runs: only what this query covered is read.
          const upTo = this.upTo;
          const events = await prisma.statusEvent.findMany({
            where: { seq: { gt: this.position, lte: upTo } },
            include: FEED_INCLUDE,
            orderBy: { seq: "asc" },
            take: PAGE,
          });
          const last = events.at(-1);
          // Position and delivery change together, synchronously: attach() sees one or the other.
          this.position = events.length === PAGE && last ? last.seq : upTo;
          if (events.length > 0) for (const listener of this.listeners) listener(events, this.position);
        }
      } while (this.again && !this.closed);
    } catch {
      // The database is unreachable: the next signal or poll tries again.
    } finally {
      // Cleared in the same turn as the last check of `again`, so no signal falls in between.
      this.reading = false;
    }
  }
}

export async function maxCommittedSeq(): Promise<bigint> {
  const row = await prisma.statusEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } });
  return row?.seq ?? 0n;
}
