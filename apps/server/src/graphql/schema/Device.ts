import type { Prisma } from "@enrollwatch/db";
import { MESSAGE_KINDS, messageMismatch, recommendedMessage } from "@enrollwatch/sync";
import { queryFromInfo } from "@pothos/plugin-prisma";
import { prisma } from "../../db.ts";
import { builder } from "../builder.ts";
import type { StatusSummary } from "../StatusSummaryCache.ts";
import { AuditEntryRef } from "./AuditEntry.ts";
import { decodeDeviceCursor, encodeDeviceCursor } from "./DeviceCursor.ts";
import { DEVICE_ORDER_NAMES, DEVICE_ORDERS, deviceOrderBy, keysetAfter } from "./DeviceOrder.ts";
import { devicePage, devicePageArgs, onlyTotalCount } from "./DevicePage.ts";
import { type DeviceFilter, deviceWhere, teamListIncludes } from "./DeviceWhere.ts";
import { EnrollmentStatusEnum, MessageKindEnum } from "./enums.ts";
import { asProblems, DeviceProblemRef } from "./Problem.ts";
import { pageSize } from "./paging.ts";
import { isUuid } from "./SyncRun.ts";

/** The nil UUID: no device has it (ids are random v4), so looking it up finds nothing. */
const NO_SUCH_DEVICE = "00000000-0000-0000-0000-000000000000";

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
  // `node(id:)` for a device that does not exist is null (the Relay convention), not
  // findUniqueOrThrow's failure, which the client saw as a masked "Unexpected error" and the server
  // logged as one. An id that is not a UUID matches no row instead of failing the column's cast.
  nullable: true,
  findUnique: (id) => ({ id: isUuid(id) ? id : NO_SUCH_DEVICE }),
  fields: (t) => ({
    fleetHostId: t.exposeInt("fleetHostId", { description: "The host id in Fleet." }),
    serial: t.exposeString("serial", { nullable: true }),
    name: t.exposeString("name"),
    platform: t.exposeString("platform", { description: "Fleet's platform: darwin, windows, ubuntu, ios..." }),
    osVersion: t.exposeString("osVersion", { nullable: true }),
    team: t.exposeString("teamName", {
      nullable: true,
      description: "The Fleet team the device is in; null when in none.",
    }),
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
    messageKinds: t.field({
      type: [MessageKindEnum],
      description:
        "The messages that mean something for this device's platform: no agent link to a phone or tablet (no agent), no profile guide to a PC (no Apple MDM).",
      select: { platform: true },
      resolve: (d) => MESSAGE_KINDS.filter((kind) => messageMismatch(kind, d.platform) === null),
    }),
    recommendedMessage: t.field({
      type: MessageKindEnum,
      nullable: true,
      description:
        "The message the remedy for the device's status sends its owner (as bulk sends and owner reminders choose it); null when ENROLLED or when the remedy is the admin's own (renewing the APNs certificate).",
      select: { status: true, problems: true, platform: true },
      resolve: (d) => recommendedMessage(d.status, d.problems, d.platform),
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
    team: t.stringList({
      required: { list: false, items: false },
      description: "Fleet team names (any of them); a null item selects the devices in no team.",
    }),
  }),
});

const TeamRef = builder.objectRef<{ name: string | null; devices: number }>("Team").implement({
  description: "A Fleet team as the synced devices show it.",
  fields: (t) => ({
    name: t.exposeString("name", { nullable: true, description: "null: the devices in no team." }),
    devices: t.exposeInt("devices"),
  }),
});

builder.queryField("teams", (t) =>
  t.field({
    type: [TeamRef],
    description: "The teams the devices are in, with how many each holds, by name (no team last).",
    // From the team summaries, kept until the next change: a grouping of the whole fleet costs
    // 30-50 ms at 100,000 devices, and the devices page reads the teams with every list.
    resolve: async (_root, _args, ctx) =>
      (await ctx.services.summary.byTeam()).map((s) => ({ name: s.team, devices: s.total })),
  }),
);

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

/**
 * The args a devices connection was made for, for its totalCount (the connection is its parent):
 * the same object, so pageWhere's condition is worked out once for both.
 */
const connectionArgs = new WeakMap<object, { filter?: DeviceFilter | null }>();

builder.queryFields((t) => ({
  devices: t.connection(
    {
      type: DeviceRef,
      description: "Devices, filtered and ordered, as a Relay connection with totalCount.",
      args: {
        filter: t.arg({ type: DeviceFilterInput, required: false }),
        orderBy: t.arg({ type: DeviceOrderByEnum, required: false, defaultValue: "NAME_ASC" }),
      },
      resolve: async (_root, args, context, info) => {
        const page = devicePageArgs(args);
        const order = DEVICE_ORDERS[args.orderBy ?? "NAME_ASC"];
        // Decoded before any SQL: a bad cursor is the client's error and costs the database nothing.
        const key = page.cursor === null ? null : decodeDeviceCursor(order, page.cursor);
        const rows = onlyTotalCount(info) ? [] : await devicesPage();
        async function devicesPage() {
          const where = await pageWhere(args);
          return prisma.device.findMany({
            // The page's rows with what its selection plans (owners, problems, history) in one
            // query, plus what a cursor is made of. (queryFromInfo is typed for any model.)
            ...(queryFromInfo({
              context,
              info,
              typeName: "Device",
              path: ["edges", "node"],
              select: { id: true, [order.column]: true },
            }) as Pick<Prisma.DeviceFindManyArgs, "select" | "include">),
            where: key ? { AND: [where, keysetAfter(order, key, page.take < 0)] } : where,
            orderBy: deviceOrderBy(order),
            take: page.take,
          });
        }
        const connection = devicePage(rows, args, page.take, (row) => encodeDeviceCursor(order, row));
        connectionArgs.set(connection, args);
        return connection;
      },
    },
    {
      fields: (t) => ({
        totalCount: t.int({
          resolve: async (connection, _args, ctx) => {
            const args = connectionArgs.get(connection) ?? {};
            const { filter } = args;
            // By status and team alone (the dashboard's cards, lists and team table), the counts
            // are in memory already: a count of a large team read ~66,000 index entries (~35 ms).
            if (!filter?.platform?.length && !filter?.search?.trim()) {
              const inStatus = (counts: StatusSummary["counts"]) =>
                counts
                  .filter((c) => !filter?.status?.length || filter.status.includes(c.status))
                  .reduce((n, c) => n + c.count, 0);
              const teams = filter?.team;
              if (!teams?.length) return inStatus((await ctx.services.summary.get()).counts);
              const chosen = (await ctx.services.summary.byTeam()).filter((s) => teamListIncludes(teams, s.team));
              return chosen.reduce((n, s) => n + inStatus(s.counts), 0);
            }
            return prisma.device.count({ where: await pageWhere(args) });
          },
        }),
      }),
    },
  ),
  deviceBySerial: t.prismaField({
    type: "Device",
    nullable: true,
    args: { serial: t.arg.string({ required: true }) },
    resolve: (query, _root, args) => prisma.device.findFirst({ ...query, where: { serial: args.serial } }),
  }),
}));
