import type { Prisma } from "@enrollwatch/db";
import { prisma } from "../../db.ts";
import { builder } from "../builder.ts";
import { deviceIdFrom } from "./DeviceActions.ts";
import { containsLiteral } from "./LiteralContains.ts";
import { pageSize } from "./paging.ts";
import { isUuid } from "./SyncRun.ts";

/**
 * Whether an action's target is a device's id: every `device.*` action (unenrolment, a message, an
 * alert's reminder) and an employee's visit or check; the others name a token, a webhook, a rule or
 * an employee.
 */
function targetsDevice(action: string): boolean {
  return action.startsWith("device.") || action === "employee.visit" || action === "employee.checkAgain";
}

export const AuditEntryRef = builder.prismaObject("AuditEntry", {
  description: "Who changed what, and when.",
  fields: (t) => ({
    id: t.exposeID("id"),
    actor: t.exposeString("actor", {
      description:
        "An API token's name, `employee:<e-mail>` for an employee, `system` for the sync, `alert-rules` for an alert's reminders.",
    }),
    action: t.exposeString("action", { description: "What was done, as `area.verb` (see Query.auditActions)." }),
    target: t.exposeString("target", {
      nullable: true,
      description: "The id of what was acted on: a device, token, webhook, alert rule or employee.",
    }),
    targetDevice: t.prismaField({
      type: "Device",
      nullable: true,
      description: "The device acted on, when the target is one that still exists.",
      select: { target: true, action: true },
      // Prisma batches the findUnique calls of one page's entries into one query.
      resolve: (query, entry) =>
        entry.target !== null && targetsDevice(entry.action) && isUuid(entry.target)
          ? prisma.device.findUnique({ ...query, where: { id: entry.target } })
          : null,
    }),
    before: t.string({ nullable: true, resolve: (e) => (e.before === null ? null : JSON.stringify(e.before)) }),
    after: t.string({ nullable: true, resolve: (e) => (e.after === null ? null : JSON.stringify(e.after)) }),
    at: t.expose("at", { type: "DateTime" }),
  }),
});

const AuditFilterInput = builder.inputType("AuditFilter", {
  description: "Every field given must match (AND).",
  fields: (t) => ({
    action: t.stringList({ required: false, description: "Any of these actions, exactly (see Query.auditActions)." }),
    actor: t.string({ required: false, description: "A substring of the actor, whatever the case." }),
    target: t.string({
      required: false,
      description: "What was acted on: an id as stored in `target`, or a Device's global id (Device.id).",
    }),
    since: t.field({ type: "DateTime", required: false, description: "At or after this instant." }),
    until: t.field({ type: "DateTime", required: false, description: "Before this instant." }),
  }),
});

type AuditFilter = (typeof AuditFilterInput)["$inferInput"];

function auditWhere(filter: AuditFilter | null | undefined): Prisma.AuditEntryWhereInput {
  const where: Prisma.AuditEntryWhereInput = {};
  if (filter?.action?.length) where.action = { in: filter.action };
  const actor = filter?.actor?.trim();
  if (actor) where.actor = containsLiteral(actor);
  const target = filter?.target?.trim();
  if (target) where.target = storedTarget(target);
  if (filter?.since || filter?.until) {
    where.at = { ...(filter.since ? { gte: filter.since } : {}), ...(filter.until ? { lt: filter.until } : {}) };
  }
  return where;
}

/** Devices are shown to clients by their global id but stored as targets by their database id. */
function storedTarget(target: string): string {
  try {
    return deviceIdFrom(target);
  } catch {
    return target; // not a Device's global id: a target as stored
  }
}

builder.queryFields((t) => ({
  auditLog: t.prismaConnection(
    {
      type: "AuditEntry",
      cursor: "id",
      description:
        "The audit log, newest first, as a Relay connection with totalCount: every mutation, the sync's confirmations, and employees' sign-ins, visits and checks.",
      args: { filter: t.arg({ type: AuditFilterInput, required: false }) },
      maxSize: 500,
      defaultSize: 50,
      resolve: (query, _root, args) =>
        prisma.auditEntry.findMany({
          ...query,
          where: auditWhere(args.filter),
          orderBy: [{ at: "desc" }, { id: "desc" }],
        }),
      totalCount: (_root, args) => prisma.auditEntry.count({ where: auditWhere(args.filter) }),
    },
    {},
  ),
  auditActions: t.stringList({
    description: "The actions the audit log holds, in alphabetical order (for a filter's choices).",
    // Sorted here, not by the database's collation, so both databases give the same order.
    resolve: async () => (await prisma.auditEntry.groupBy({ by: ["action"] })).map((g) => g.action).sort(),
  }),
  auditEntries: t.field({
    type: [AuditEntryRef],
    description: "The audit log, newest first.",
    deprecationReason: "Use auditLog: it pages past the newest 500 and filters.",
    args: { first: t.arg.int({ required: false, defaultValue: 50 }) },
    resolve: (_root, args) =>
      prisma.auditEntry.findMany({ orderBy: [{ at: "desc" }, { id: "desc" }], take: pageSize(args.first, 50, 500) }),
  }),
}));
