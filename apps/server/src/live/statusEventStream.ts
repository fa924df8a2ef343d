import { prisma } from "../db.ts";
import { deviceWhere } from "../graphql/schema/DeviceWhere.ts";
import { type DeviceFilterValues, matchesDeviceFilter } from "./DeviceFilterMatch.ts";
import { FEED_INCLUDE, type FeedEvent, type StatusEventFeed } from "./StatusEventFeed.ts";

const REPLAY_PAGE = 500;

/** Events in (after, upTo] matching the filter, from the database, in seq order. */
export async function* replayEvents(
  after: bigint,
  upTo: bigint,
  filter: DeviceFilterValues | null | undefined,
): AsyncGenerator<FeedEvent> {
  const where = filter ? { device: await deviceWhere(filter) } : {};
  let cursor = after;
  while (cursor < upTo) {
    const events = await prisma.statusEvent.findMany({
      where: { ...where, seq: { gt: cursor, lte: upTo } },
      include: FEED_INCLUDE,
      orderBy: { seq: "asc" },
      take: REPLAY_PAGE,
    });
    for (const event of events) yield event;
    const last = events.at(-1);
    cursor = events.length === REPLAY_PAGE && last ? last.seq : upTo;
  }
}

/**
 * One subscriber's stream: every event after `afterSeq` replayed from the database, then live ones
 * from the shared feed, with no gap and no duplicate across the switch (see StatusEventFeed).
 * Without `afterSeq`, live events only.
 */
export async function* statusEventStream(
  feed: StatusEventFeed,
  afterSeq: bigint | null,
  filter: DeviceFilterValues | null | undefined,
): AsyncGenerator<FeedEvent> {
  const queue: FeedEvent[] = [];
  let wake: (() => void) | undefined;
  const attachment = await feed.attach((events) => {
    for (const event of events) if (matchesDeviceFilter(event.device, filter)) queue.push(event);
    wake?.();
  });
  try {
    const position = attachment.position;
    if (afterSeq !== null && afterSeq < position) yield* replayEvents(afterSeq, position, filter);
    for (;;) {
      while (queue.length > 0) {
        const event = queue.shift() as FeedEvent;
        yield event;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    attachment.detach();
  }
}
