import { createGraphQLError } from "graphql-yoga";
import { prisma } from "../../db.ts";
import { FEED_INCLUDE, type FeedEvent } from "../../live/StatusEventFeed.ts";
import { statusEventStream } from "../../live/statusEventStream.ts";
import { builder } from "../builder.ts";
import { DeviceFilterInput } from "./Device.ts";
import { EnrollmentStatusEnum } from "./enums.ts";
import { loadCoversQuery } from "./PrismaLoadCoverage.ts";
import { asProblems, CauseRef, DeviceProblemRef } from "./Problem.ts";

export const StatusEventRef = builder.prismaObject("StatusEvent", {
  description: "One status transition of one device.",
  fields: (t) => ({
    seq: t.string({
      description: "Position in the global, gap-free order of events (a bigint as a decimal string).",
      resolve: (e) => e.seq.toString(),
    }),
    device: t.relation("device"),
    from: t.field({ type: EnrollmentStatusEnum, nullable: true, resolve: (e) => e.from }),
    to: t.field({ type: EnrollmentStatusEnum, resolve: (e) => e.to }),
    at: t.expose("at", { type: "DateTime" }),
    causes: t.field({
      type: [CauseRef],
      description: "The causes of the problem behind `to` (empty for ENROLLED).",
      resolve: (e) => asProblems(e.reasons)[0]?.causes ?? [],
    }),
    problems: t.field({ type: [DeviceProblemRef], resolve: (e) => asProblems(e.reasons) }),
    syncRunId: t.exposeString("syncRunId", { nullable: true }),
  }),
});

export function parseSeq(value: string | null | undefined, argument: string): bigint | null {
  if (value === null || value === undefined) return null;
  if (!/^\d{1,19}$/.test(value)) {
    throw createGraphQLError(`${argument} must be a status event seq: a non-negative integer as a string`, {
      extensions: { code: "BAD_USER_INPUT", argument },
    });
  }
  return BigInt(value);
}

builder.queryField("statusEvents", (t) =>
  t.prismaField({
    type: ["StatusEvent"],
    description: "Events after `afterSeq` in seq order, for catch-up paging (up to 1000 per call).",
    args: {
      afterSeq: t.arg.string({ required: false }),
      first: t.arg.int({ required: false, defaultValue: 100 }),
    },
    resolve: (query, _root, args) => {
      const first = args.first ?? 100;
      if (first < 1 || first > 1000) {
        throw createGraphQLError("first must be between 1 and 1000", { extensions: { code: "BAD_USER_INPUT" } });
      }
      const after = parseSeq(args.afterSeq, "afterSeq") ?? -1n;
      return prisma.statusEvent.findMany({
        ...query,
        where: { seq: { gt: after } },
        orderBy: { seq: "asc" },
        take: first,
      });
    },
  }),
);

builder.subscriptionField("statusEvents", (t) =>
  t.prismaField({
    type: "StatusEvent",
    description:
      "Every status event after `afterSeq` (replayed from the database in seq order), then live ones, with no gap and no duplicate across the switch. Without `afterSeq`, live events only. Reconnect with the last seq you received to resume.",
    args: {
      afterSeq: t.arg.string({ required: false }),
      filter: t.arg({ type: DeviceFilterInput, required: false }),
    },
    subscribe: (_root, args, ctx) =>
      ctx.eventSource ?? statusEventStream(ctx.services.feed, parseSeq(args.afterSeq, "afterSeq"), args.filter),
    resolve: (query, event) =>
      servedByFeed(query)
        ? event
        : prisma.statusEvent.findUniqueOrThrow({ ...query, where: { seq: (event as FeedEvent).seq } }),
  }),
);

/**
 * Feed events arrive with their device and its owner loaded. When the subscriber's selection needs
 * no more than that, the event is the answer as it is; anything deeper is loaded as planned.
 */
function servedByFeed(query: object): boolean {
  return loadCoversQuery("StatusEvent", FEED_INCLUDE, query);
}
