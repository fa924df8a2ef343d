import type { Prisma } from "@enrollwatch/db";
import { prisma } from "../../db.ts";
import { builder } from "../builder.ts";
import { AuditEntryRef } from "./AuditEntry.ts";
import { DEVICE_ORDER_NAMES, DEVICE_ORDERS, DEVICE_SORT_COLUMNS, deviceOrderBy, keysetAfter } from "./DeviceOrder.ts";
import { type DeviceFilter, deviceWhere } from "./DeviceWhere.ts";
import { EnrollmentStatusEnum } from "./enums.ts";
import { asProblems, DeviceProblemRef } from "./Problem.ts";
import { pageSize } from "./paging.ts";

builder.prismaObject("Employee", {
  description: "A device owner, as Fleet maps devices to people.",
  // Select mode (here and on Device): a query loads only the columns its fields ask for.
  select: { id: true },
  fields: (t) => ({
    email: t.exposeString("email"),
    name: t.exposeString("name", { nullable: true }),
  }),
});

export const DeviceRef = builder.prismaNode("Device", {
  description: "A device Fleet manages, with its enrolment status, why, and what to do.",
  // A device row has 27 columns; a dashboard page reads six of them. Reading (and mapping) all of
  // them was most of the cost of a devices page. Fields that read the row declare what they need.
  select: { id: true },
  id: { field: "id" },
  fields: (t) => ({
    fleetHostId: t.exposeInt("fleetHostId", { description: "The host id in Fleet." }),
    serial: t.exposeString("serial", { nullable: true }),
    name: t.exposeString("name"),
    platform: t.exposeString("platform", { description: "Fleet's platform: darwin, windows, ubuntu, ios..." }),
    osVersion: t.exposeString("osVersion", { nullable: true }),
    owner: t.relation("owner", { nullable: true }),
    status: t.expose("status", { type: EnrollmentStatusEnum }),
    statusSince: t.expose("statusSince", { type: "DateTime" }),
    lastSeenAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "Last contact through the agent or MDM, whichever is later (as of the last sync).",
      select: { seenTime: true, lastMdmCheckedInAt: true },
      resolve: (d) => latest(d.seenTime, d.lastMdmCheckedInAt),
    }),
    agentDataAt: t.expose("detailUpdatedAt", {
      type: "DateTime",
      nullable: true,
      description: "When the osquery agent last delivered data (Fleet detail_updated_at).",
    }),
    mdmEnrollment: t.exposeString("mdmEnrollmentStatus", {
      nullable: true,
      description: "Fleet's MDM enrolment string, e.g. 'On (automatic)', 'Pending', 'Off'.",
    }),
    missingFromFleetAt: t.expose("missingFromFleetAt", { type: "DateTime", nullable: true }),
    problems: t.field({
      type: [DeviceProblemRef],
      description: "Every problem detected, the one behind `status` first; empty when ENROLLED.",
      select: { problems: true },
      resolve: (d) => asProblems(d.problems),
    }),
    activity: t.field({
      type: [AuditEntryRef],
      description:
        "What people did with this device, newest first: messages sent, unenrolment, the owner's visits and checks.",
      args: { first: t.arg.int({ required: false, defaultValue: 50 }) },
      resolve: (d, args) =>
        prisma.auditEntry.findMany({
          where: { target: d.id },
          orderBy: [{ at: "desc" }, { id: "desc" }],
          take: pageSize(args.first, 50, 200),
        }),
    }),
    alerts: t.relation("alerts", {
      description: "The alert rules this device breaks or broke, newest first.",
      query: { orderBy: { openedAt: "desc" }, take: 50 },
    }),
    history: t.relatedConnection("events", {
      cursor: "seq",
      description: "Status transitions, newest first.",
      query: () => ({ orderBy: { seq: "desc" } }),
    }),
  }),
});

function latest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}

export const DeviceFilterInput = builder.inputType("DeviceFilter", {
  fields: (t) => ({
    status: t.field({ type: [EnrollmentStatusEnum], required: false }),
    platform: t.stringList({ required: false }),
    search: t.string({ required: false, description: "Matches serial, name or owner e-mail (case-insensitive)." }),
  }),
});

/**
 * The filter's condition, worked out once per field: the page and its totalCount get the same args
 * object, and a search's condition costs a lookup of the matching owners.
 */
const wheres = new WeakMap<object, Promise<Prisma.DeviceWhereInput>>();
function pageWhere(args: { filter?: DeviceFilter | null }): Promise<Prisma.DeviceWhereInput> {
  let where = wheres.get(args);
  if (!where) {
    where = deviceWhere(args.filter);
    wheres.set(args, where);
  }
  return where;
}

const DeviceOrderByEnum = builder.enumType("DeviceOrderBy", { values: DEVICE_ORDER_NAMES });

builder.queryFields((t) => ({
  devices: t.prismaConnection(
    {
      type: "Device",
      cursor: "id",
      description: "Devices, filtered and ordered, as a Relay connection with totalCount.",
      args: {
        filter: t.arg({ type: DeviceFilterInput, required: false }),
        orderBy: t.arg({ type: DeviceOrderByEnum, required: false, defaultValue: "NAME_ASC" }),
      },
      maxSize: 500,
      defaultSize: 50,
      resolve: async (query, _root, args) => {
        const order = DEVICE_ORDERS[args.orderBy ?? "NAME_ASC"];
        const where = await pageWhere(args);
        const orderBy = deviceOrderBy(order);
        const { cursor, skip, ...page } = query;
        const cursorId = cursor?.id;
        if (cursorId === undefined || order.nullable) return prisma.device.findMany({ ...query, where, orderBy });
        // The page starts past the cursor device's own sort value, read first (one lookup by
        // primary key), so that the page itself is an index range: see keysetAfter.
        const at = await prisma.device.findUnique({ where: { id: cursorId }, select: DEVICE_SORT_COLUMNS });
        const value = at?.[order.column];
        // As with Prisma's cursor: a cursor whose device is gone ends the list. (Only serial holds
        // NULL, and its order never gets here.)
        if (value === undefined || value === null) return [];
        const after = keysetAfter(order, { id: cursorId, value }, page.take < 0);
        return prisma.device.findMany({ ...page, where: { AND: [where, after] }, orderBy });
      },
      totalCount: async (_root, args, ctx) => {
        const { filter } = args;
        // By status alone (the dashboard's cards and lists), the counts are in memory already.
        if (!filter?.platform?.length && !filter?.search?.trim()) {
          const summary = await ctx.services.summary.get();
          if (!filter?.status?.length) return summary.total;
          return summary.counts.filter((c) => filter.status?.includes(c.status)).reduce((n, c) => n + c.count, 0);
        }
        return prisma.device.count({ where: await pageWhere(args) });
      },
    },
    {},
  ),
  deviceBySerial: t.prismaField({
    type: "Device",
    nullable: true,
    args: { serial: t.arg.string({ required: true }) },
    resolve: (query, _root, args) => prisma.device.findFirst({ ...query, where: { serial: args.serial } }),
  }),
}));
