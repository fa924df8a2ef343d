import type { AlertEvent } from "@enrollwatch/db";
import { prisma } from "../db.ts";
import type { EnrollwatchPubSub } from "../pubsub.ts";

const PAGE = 500;

/**
 * One subscriber's alert events: those after `afterSeq` from the database, then each batch a signal
 * announces, read from the database in seq order. The signal subscription starts before the first
 * read, so nothing committed in between is missed; writers commit in seq order (AlertEventLog), so
 * reading "after the last seq seen" never skips one. Alerts are few: a read per signal is cheap.
 */
export async function* alertEventStream(
  pubsub: EnrollwatchPubSub,
  afterSeq: bigint | null,
): AsyncGenerator<AlertEvent> {
  const signals = pubsub.subscribe("alerts");
  let last = afterSeq ?? (await prisma.alertEvent.aggregate({ _max: { seq: true } }))._max.seq ?? 0n;
  async function* drain(): AsyncGenerator<AlertEvent> {
    for (;;) {
      const events = await prisma.alertEvent.findMany({
        where: { seq: { gt: last } },
        orderBy: { seq: "asc" },
        take: PAGE,
      });
      for (const event of events) {
        last = event.seq;
        yield event;
      }
      if (events.length < PAGE) return;
    }
  }
  try {
    yield* drain();
    for await (const _signal of signals) yield* drain();
  } finally {
    await signals.return?.();
  }
}
