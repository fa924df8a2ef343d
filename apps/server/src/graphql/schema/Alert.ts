import type { AlertEvent, Prisma } from "@enrollwatch/db";
import { queryFromInfo } from "@pothos/plugin-prisma";
import { prisma } from "../../db.ts";
import { type AlertEventSelection, alertEventStream } from "../../live/alertEventStream.ts";
import { builder } from "../builder.ts";
import { deviceIdFrom } from "./DeviceActions.ts";
import { AlertEventKindEnum, AlertSeverityEnum, AlertStateEnum, EnrollmentStatusEnum } from "./enums.ts";
import { ADMIN_ERRORS, ConflictError, FieldError, NotFoundError, requireAdmin, ValidationError } from "./errors.ts";
import { pageSize } from "./paging.ts";
import { nonEmptyQuery } from "./prismaQuery.ts";
import { parseSeq } from "./StatusEvent.ts";
import { isUuid } from "./SyncRun.ts";

builder.prismaObject("Alert", {
  description: "One device breaking one alert rule: the triage queue's entry.",
  fields: (t) => ({
    id: t.exposeID("id"),
    state: t.field({ type: AlertStateEnum, resolve: (a) => a.state }),
    severity: t.field({
      type: AlertSeverityEnum,
      description: "The rule's severity when the alert opened.",
      resolve: (a) => a.severity,
    }),
    status: t.field({
      type: EnrollmentStatusEnum,
      description: "The status that broke the rule.",
      resolve: (a) => a.status,
    }),
    rule: t.relation("rule"),
    device: t.relation("device"),
    openedAt: t.expose("openedAt", { type: "DateTime" }),
    statusSince: t.expose("statusSince", {
      type: "DateTime",
      description: "Since when the device has been in `status`.",
    }),
    acknowledgedAt: t.expose("acknowledgedAt", { type: "DateTime", nullable: true }),
    acknowledgedBy: t.exposeString("acknowledgedBy", { nullable: true }),
    note: t.exposeString("note", { nullable: true }),
    snoozedUntil: t.expose("snoozedUntil", { type: "DateTime", nullable: true }),
    resolvedAt: t.expose("resolvedAt", { type: "DateTime", nullable: true }),
    employeeRemindedAt: t.expose("employeeRemindedAt", {
      type: "DateTime",
      nullable: true,
      description: "When the owner was sent the remediation message (rules with remindEmployee; at most once).",
    }),
    adminNotifiedAt: t.expose("adminNotifiedAt", { type: "DateTime", nullable: true }),
    events: t.relation("events", { query: { orderBy: { seq: "asc" }, take: 200 } }),
  }),
});

builder.prismaObject("AlertEvent", {
  description: "One change of one alert.",
  fields: (t) => ({
    seq: t.string({
      description: "Gap-free position across all alert events (bigint as a string).",
      resolve: (e) => e.seq.toString(),
    }),
    kind: t.field({ type: AlertEventKindEnum, resolve: (e) => e.kind }),
    actor: t.exposeString("actor", { nullable: true, description: "Who did it; null for the evaluator." }),
    note: t.exposeString("note", { nullable: true }),
    at: t.expose("at", { type: "DateTime" }),
    alert: t.relation("alert"),
  }),
});

const AlertFilterInput = builder.inputType("AlertFilter", {
  fields: (t) => ({
    state: t.field({ type: [AlertStateEnum], required: false }),
    severity: t.field({ type: [AlertSeverityEnum], required: false }),
    ruleId: t.id({ required: false }),
    status: t.field({
      type: [EnrollmentStatusEnum],
      required: false,
      description: "The device status that broke the rule.",
    }),
    deviceId: t.id({ required: false, description: "A device's global id (Device.id)." }),
  }),
});

type AlertFilter = (typeof AlertFilterInput)["$inferInput"];

/** A malformed id in a filter matches nothing, rather than failing the query. */
const NO_SUCH_ID = "00000000-0000-0000-0000-000000000000";

function alertWhere(filter: AlertFilter | null | undefined): Prisma.AlertWhereInput {
  const where: Prisma.AlertWhereInput = {};
  if (filter?.state?.length) where.state = { in: filter.state };
  if (filter?.severity?.length) where.severity = { in: filter.severity };
  if (filter?.status?.length) where.status = { in: filter.status };
  if (filter?.ruleId != null) {
    const id = String(filter.ruleId);
    where.ruleId = isUuid(id) ? id : NO_SUCH_ID;
  }
  if (filter?.deviceId != null) where.deviceId = deviceUuid(String(filter.deviceId));
  return where;
}

function deviceUuid(globalId: string): string {
  if (isUuid(globalId)) return globalId;
  try {
    return deviceIdFrom(globalId);
  } catch {
    return NO_SUCH_ID;
  }
}

const AlertSummaryRef = builder
  .objectRef<{ open: number; acknowledged: number; snoozed: number; openHigh: number }>("AlertSummary")
  .implement({
    description: "Live alerts by state (the navigation's badge).",
    fields: (t) => ({
      open: t.exposeInt("open"),
      acknowledged: t.exposeInt("acknowledged"),
      snoozed: t.exposeInt("snoozed"),
      openHigh: t.exposeInt("openHigh", { description: "OPEN alerts of HIGH severity." }),
    }),
  });

builder.queryFields((t) => ({
  alerts: t.prismaConnection(
    {
      type: "Alert",
      cursor: "id",
      description:
        "Alerts, most severe first, then oldest first (the triage order), as a Relay connection with totalCount. Without a state filter, resolved alerts are included.",
      args: { filter: t.arg({ type: AlertFilterInput, required: false }) },
      maxSize: 500,
      defaultSize: 50,
      resolve: (query, _root, args) =>
        prisma.alert.findMany({
          ...query,
          where: alertWhere(args.filter),
          orderBy: [{ severity: "desc" }, { openedAt: "asc" }, { id: "asc" }],
        }),
      totalCount: (_root, args) => prisma.alert.count({ where: alertWhere(args.filter) }),
    },
    {},
  ),
  alertSummary: t.field({
    type: AlertSummaryRef,
    resolve: async () => {
      const [byState, openHigh] = await Promise.all([
        prisma.alert.groupBy({ by: ["state"], where: { state: { not: "RESOLVED" } }, _count: { _all: true } }),
        prisma.alert.count({ where: { state: "OPEN", severity: "HIGH" } }),
      ]);
      const count = (state: string) => byState.find((g) => g.state === state)?._count._all ?? 0;
      return { open: count("OPEN"), acknowledged: count("ACKNOWLEDGED"), snoozed: count("SNOOZED"), openHigh };
    },
  }),
  alertEvents: t.prismaField({
    type: ["AlertEvent"],
    description: "Alert events after `afterSeq` in seq order, for catch-up paging (up to 1000 per call).",
    args: { afterSeq: t.arg.string({ required: false }), first: t.arg.int({ required: false, defaultValue: 100 }) },
    resolve: (query, _root, args) =>
      prisma.alertEvent.findMany({
        ...query,
        where: { seq: { gt: parseSeq(args.afterSeq, "afterSeq") ?? -1n } },
        orderBy: { seq: "asc" },
        take: pageSize(args.first, 100, 1000),
      }),
  }),
}));

function alertId(raw: string | number): string {
  const id = String(raw);
  if (!isUuid(id)) throw new NotFoundError(`No alert ${id}.`);
  return id;
}

function triageError(result: { reason: string; message: string; field?: string }): Error {
  if (result.reason === "NOT_FOUND") return new NotFoundError(result.message);
  if (result.reason === "RESOLVED") return new ConflictError(result.message);
  return new ValidationError(result.message, [new FieldError(result.field ?? "input", result.message)]);
}

builder.mutationFields((t) => ({
  acknowledgeAlert: t.prismaField({
    type: "Alert",
    description: "Someone is on it: the alert leaves the OPEN queue until it resolves (or is snoozed).",
    errors: { types: [...ADMIN_ERRORS, NotFoundError, ConflictError, ValidationError] },
    args: { id: t.arg.id({ required: true }), note: t.arg.string({ required: false }) },
    resolve: async (query, _root, args, ctx) => {
      const actor = requireAdmin(ctx);
      const id = alertId(args.id);
      const result = await ctx.services.triage.acknowledge(id, actor, args.note ?? null);
      if (!result.ok) throw triageError(result);
      if (result.deliveries > 0) ctx.services.webhooks.poke();
      return prisma.alert.findUniqueOrThrow({ ...nonEmptyQuery(query), where: { id } });
    },
  }),
  snoozeAlert: t.prismaField({
    type: "Alert",
    description: "Hide the alert until `until`; if the device still breaks the rule then, it opens again (REOPENED).",
    errors: { types: [...ADMIN_ERRORS, NotFoundError, ConflictError, ValidationError] },
    args: {
      id: t.arg.id({ required: true }),
      until: t.arg({ type: "DateTime", required: true }),
      note: t.arg.string({ required: false }),
    },
    resolve: async (query, _root, args, ctx) => {
      const actor = requireAdmin(ctx);
      const id = alertId(args.id);
      const result = await ctx.services.triage.snooze(id, actor, args.until, args.note ?? null);
      if (!result.ok) throw triageError(result);
      return prisma.alert.findUniqueOrThrow({ ...nonEmptyQuery(query), where: { id } });
    },
  }),
}));

builder.subscriptionField("alerts", (t) =>
  t.prismaField({
    type: "AlertEvent",
    description:
      "Every alert event after `afterSeq` (replayed in seq order), then live ones, with no gap. Without `afterSeq`, live events only. Reconnect with the last seq you received to resume.",
    args: { afterSeq: t.arg.string({ required: false }) },
    // The stream reads each batch with the subscriber's selection (queryFromInfo), so an event
    // arrives loaded and whole: read again when sent, an event of a rule deleted meanwhile failed.
    subscribe: (_root, args, ctx, info) =>
      alertEventStream(
        ctx.services.pubsub,
        parseSeq(args.afterSeq, "afterSeq"),
        // The selection always reads `seq`, which the stream orders and resumes by.
        queryFromInfo({ context: ctx, info, typeName: "AlertEvent", select: { seq: true } }) as AlertEventSelection,
      ),
    resolve: (_query, event) => event as AlertEvent,
  }),
);
