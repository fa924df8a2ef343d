import { setTimeout as sleep } from "node:timers/promises";
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

async function* summaryStream(services: { summary: StatusSummaryCache }): AsyncGenerator<StatusSummary> {
  const { summary } = services;
  let changed = false;
  let wake: (() => void) | undefined;
  const stop = summary.onChange(() => {
    changed = true;
    wake?.();
  });
  try {
    let last = await summary.get();
    yield last;
    let lastAt = Date.now();
    for (;;) {
      if (!changed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      const wait = MIN_INTERVAL_MS - (Date.now() - lastAt);
      if (wait > 0) await sleep(wait);
      changed = false;
      const next = await summary.get();
      lastAt = Date.now();
      if (JSON.stringify(next) === JSON.stringify(last)) continue;
      last = next;
      yield next;
    }
  } finally {
    stop();
  }
}
