import { setTimeout as sleep } from "node:timers/promises";
import { Repeater } from "graphql-yoga";
import { builder } from "../builder.ts";
import type { StatusSummary, StatusSummaryCache, TeamStatusSummary } from "../StatusSummaryCache.ts";
import { EnrollmentStatusEnum } from "./enums.ts";

const StatusCountRef = builder.objectRef<StatusSummary["counts"][number]>("StatusCount").implement({
  fields: (t) => ({
    status: t.field({ type: EnrollmentStatusEnum, resolve: (c) => c.status }),
    count: t.exposeInt("count"),
  }),
});

const StatusSummaryRef = builder.objectRef<StatusSummary>("StatusSummary").implement({
  description: "How many devices are in each status right now.",
  fields: (t) => ({
    total: t.exposeInt("total"),
    counts: t.field({ type: [StatusCountRef], resolve: (s) => s.counts }),
  }),
});

builder.queryField("statusSummary", (t) =>
  t.field({ type: StatusSummaryRef, resolve: (_root, _args, ctx) => ctx.services.summary.get() }),
);

const TeamStatusSummaryRef = builder.objectRef<TeamStatusSummary>("TeamStatusSummary").implement({
  description: "How many devices of one Fleet team are in each status right now.",
  fields: (t) => ({
    team: t.exposeString("team", { nullable: true, description: "null: the devices in no team." }),
    total: t.exposeInt("total"),
    counts: t.field({ type: [StatusCountRef], resolve: (s) => s.counts }),
  }),
});

builder.queryField("teamSummaries", (t) =>
  t.field({
    type: [TeamStatusSummaryRef],
    description:
      "statusSummary per Fleet team, by team name (no team last). Kept like statusSummary: computed once per change.",
    resolve: (_root, _args, ctx) => ctx.services.summary.byTeam(),
  }),
);

/** At most four updates a second: a burst of transitions becomes one update per 250 ms. */
const MIN_INTERVAL_MS = 250;

builder.subscriptionField("statusSummary", (t) =>
  t.field({
    type: StatusSummaryRef,
    description: "The current summary first, then each change, coalesced to at most 4 per second.",
    subscribe: (_root, _args, ctx) => summaryStream(ctx.services),
    resolve: (summary) => summary,
  }),
);

/**
 * A Repeater, so a client that leaves is let go at once: as an async generator waiting for the next
 * change it could not be returned until that change came, and kept its listener until then.
 */
function summaryStream(services: { summary: StatusSummaryCache }): AsyncIterable<StatusSummary> {
  const { summary } = services;
  return new Repeater<StatusSummary>(async (push, stop) => {
    let changed = false;
    let stopped = false;
    let wake: (() => void) | undefined;
    const stopListening = summary.onChange(() => {
      changed = true;
      wake?.();
    });
    void stop.then(() => {
      stopped = true;
      stopListening();
      wake?.();
    });
    let last = await summary.get();
    await push(last);
    let lastAt = Date.now();
    while (!stopped) {
      if (!changed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        if (stopped) break;
      }
      const wait = MIN_INTERVAL_MS - (Date.now() - lastAt);
      if (wait > 0) await sleep(wait);
      changed = false;
      const next = await summary.get();
      lastAt = Date.now();
      if (JSON.stringify(next) === JSON.stringify(last)) continue;
      last = next;
      await push(next);
    }
  });
}
