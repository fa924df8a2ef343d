import { prisma } from "../../db.ts";
import { builder } from "../builder.ts";
import { SyncRunStateEnum } from "./enums.ts";
import { ADMIN_ERRORS, ConflictError, NotFoundError, requireAdmin } from "./errors.ts";
import { pageSize } from "./paging.ts";
import { nonEmptyQuery } from "./prismaQuery.ts";

export const SyncRunRef = builder.prismaObject("SyncRun", {
  description: "One sync with Fleet.",
  fields: (t) => ({
    id: t.exposeID("id"),
    startedAt: t.expose("startedAt", { type: "DateTime" }),
    finishedAt: t.expose("finishedAt", { type: "DateTime", nullable: true }),
    state: t.field({ type: SyncRunStateEnum, resolve: (r) => r.state }),
    trigger: t.exposeString("trigger"),
    hostsSeen: t.exposeInt("hostsSeen"),
    transitions: t.exposeInt("transitions"),
    error: t.exposeString("error", { nullable: true, description: "Why the run failed or is waiting." }),
    pendingUnenrollCount: t.int({
      description: "Devices auto-unenrolment holds back until an admin confirms (confirmUnenrollment).",
      resolve: (r) => (r.unenrollConfirmedAt ? 0 : r.pendingUnenrollDeviceIds.length),
    }),
    unenrollConfirmedAt: t.expose("unenrollConfirmedAt", { type: "DateTime", nullable: true }),
    unenrollConfirmedBy: t.exposeString("unenrollConfirmedBy", { nullable: true }),
  }),
});

builder.queryField("syncRuns", (t) =>
  t.prismaField({
    type: ["SyncRun"],
    description: "The latest sync runs, newest first.",
    args: { first: t.arg.int({ required: false, defaultValue: 20 }) },
    resolve: (query, _root, args) =>
      prisma.syncRun.findMany({
        ...query,
        orderBy: { startedAt: "desc" },
        take: pageSize(args.first, 20, 200),
      }),
  }),
);

builder.mutationField("syncNow", (t) =>
  t.prismaField({
    type: "SyncRun",
    description: "Syncs with Fleet now and resolves when the run has finished.",
    errors: { types: [...ADMIN_ERRORS, ConflictError] },
    resolve: async (query, _root, _args, ctx) => {
      const actor = requireAdmin(ctx);
      const attempt = await ctx.services.scheduler.runNow(`manual:${actor}`);
      if (!attempt.ran) throw new ConflictError(`Not started: ${attempt.reason}.`);
      await prisma.auditEntry.create({
        data: { actor, action: "sync.run", target: attempt.result.id, after: { state: attempt.result.state } },
      });
      return prisma.syncRun.findUniqueOrThrow({ ...nonEmptyQuery(query), where: { id: attempt.result.id } });
    },
  }),
);

builder.mutationField("confirmUnenrollment", (t) =>
  t.prismaField({
    type: "SyncRun",
    description: "Confirms the auto-unenrolment a sync held back because it exceeded the safety share.",
    errors: { types: [...ADMIN_ERRORS, NotFoundError, ConflictError] },
    args: { syncRunId: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const actor = requireAdmin(ctx);
      const id = String(args.syncRunId);
      if (!isUuid(id)) throw new NotFoundError(`No sync run ${id}.`);
      const result = await ctx.services.unenrollment.confirmPending(id, actor);
      if (!result.ok) {
        throw result.reason === "SYNC_RUN_NOT_FOUND"
          ? new NotFoundError(result.message)
          : new ConflictError(result.message);
      }
      await ctx.services.alerts.evaluate();
      await prisma.auditEntry.create({
        data: {
          actor,
          action: "sync.confirmUnenrollment",
          target: id,
          after: { unenrolled: result.outcome.unenrolled },
        },
      });
      return prisma.syncRun.findUniqueOrThrow({ ...nonEmptyQuery(query), where: { id } });
    },
  }),
);

builder.subscriptionField("syncRuns", (t) =>
  t.prismaField({
    type: "SyncRun",
    description: "Each sync run when it starts and when it finishes.",
    subscribe: (_root, _args, ctx) => ctx.services.pubsub.subscribe("syncRuns"),
    resolve: (query, payload) =>
      prisma.syncRun.findUniqueOrThrow({ ...query, where: { id: (payload as { id: string }).id } }),
  }),
);

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
