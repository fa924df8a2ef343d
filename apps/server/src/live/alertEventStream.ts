import type { AlertEvent, Prisma } from "@enrollwatch/db";
import { Repeater } from "graphql-yoga";
import { prisma } from "../db.ts";
import type { EnrollwatchPubSub } from "../pubsub.ts";
import { TopicSignals } from "./TopicSignals.ts";

const PAGE = 500;
/** How long a batch's read may wait for a connection, and then take. */
const READ_WAIT_MS = 60_000;

/** What a subscriber selects of each event (its alert, the alert's device...), as Prisma loads it. */
export type AlertEventSelection = Pick<Prisma.AlertEventFindManyArgs, "select" | "include">;

/**
 * One subscriber's alert events: those after `afterSeq` from the database, then each batch a signal
 * announces, read from the database in seq order. The signals are heard from before the first read
 * (TopicSignals), so nothing committed in between is missed; writers commit in seq order (AlertEventLog), so
 * reading "after the last seq seen" never skips one. Alerts are few: a read per signal is cheap.
 * A Repeater, so a client that leaves is let go at once, not at the next signal.
 *
 * Each batch is read with everything the subscriber selects, in one snapshot: the events of a rule
 * being deleted are either read whole or not at all (deleting a rule deletes its alert history),
 * where reading an event's alert later, when it is sent, failed for each event already gone.
 */
export function alertEventStream(
  pubsub: EnrollwatchPubSub,
  afterSeq: bigint | null,
  selection: AlertEventSelection,
): AsyncIterable<AlertEvent> {
  return new Repeater<AlertEvent>(async (push, stop) => {
    // Heard from now on, before the first read (TopicSignals).
    const signals = new TopicSignals(pubsub, "alerts");
    let stopped = false;
    void stop.then(() => {
      stopped = true;
      signals.close();
    });
    let last = afterSeq ?? (await prisma.alertEvent.aggregate({ _max: { seq: true } }))._max.seq ?? 0n;
    const drain = async () => {
      while (!stopped) {
        // Prisma reads each relation with a query of its own: one snapshot for all of them, or an
        // event read before a rule's deletion could find its alert already gone. (On PGlite the
        // isolation level is not applied, but its transactions hold its one connection alone.)
        const events: AlertEvent[] = await prisma.$transaction(
          (tx) =>
            tx.alertEvent.findMany({
              ...selection,
              where: { seq: { gt: last } },
              orderBy: { seq: "asc" },
              take: PAGE,
            }),
          // Waiting for the connection is what a plain read did too: on PGlite (one connection,
          // exclusive transactions) behind a sync's merge, on PostgreSQL behind a busy pool.
          // Prisma's default gives up after 2 s, which would end the subscription with an error.
          { isolationLevel: "RepeatableRead", maxWait: READ_WAIT_MS, timeout: READ_WAIT_MS },
        );
        for (const event of events) {
          last = event.seq;
          await push(event);
        }
        if (events.length < PAGE) return;
      }
    };
    await drain();
    while ((await signals.next()) && !stopped) await drain();
    stop();
  });
}
