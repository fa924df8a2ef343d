import type { AlertEvent } from "@enrollwatch/db";
import { Repeater } from "graphql-yoga";
import { prisma } from "../db.ts";
import type { EnrollwatchPubSub } from "../pubsub.ts";

const PAGE = 500;

/**
 * One subscriber's alert events: those after `afterSeq` from the database, then each batch a signal
 * announces, read from the database in seq order. The signal subscription starts before the first
 * read, so nothing committed in between is missed; writers commit in seq order (AlertEventLog), so
 * reading "after the last seq seen" never skips one. Alerts are few: a read per signal is cheap.
 * A Repeater, so a client that leaves is let go at once, not at the next signal.
 */
export function alertEventStream(pubsub: EnrollwatchPubSub, afterSeq: bigint | null): AsyncIterable<AlertEvent> {
  return new Repeater<AlertEvent>(async (push, stop) => {
    const signals = pubsub.subscribe("alerts");
    let stopped = false;
    void stop.then(() => {
      stopped = true;
      void signals.return?.();
    });
    let last = afterSeq ?? (await prisma.alertEvent.aggregate({ _max: { seq: true } }))._max.seq ?? 0n;
    const drain = async () => {
      while (!stopped) {
        const events = await prisma.alertEvent.findMany({
          where: { seq: { gt: last } },
          orderBy: { seq: "asc" },
          take: PAGE,
        });
        for (const event of events) {
          last = event.seq;
          await push(event);
        }
        if (events.length < PAGE) return;
      }
    };
    await drain();
    for await (const _signal of signals) {
      if (stopped) break;
      await drain();
    }
    stop();
  });
}
