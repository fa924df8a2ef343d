import type { Device } from "@enrollwatch/db";
import type { FleetClient, SyncScheduler } from "@enrollwatch/sync";
import { loadSettings, platformName } from "@enrollwatch/sync";
import SchemaBuilder from "@pothos/core";
import { createGraphQLError } from "graphql-yoga";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { prisma } from "../db.ts";
import { downloadsFor, type GuidanceOptions, guidanceFor } from "./EmployeeGuidance.ts";
import type { EmployeeViewer } from "./EmployeeSessions.ts";

export interface EmployeeContext {
  employee: EmployeeViewer;
  services: {
    scheduler: SyncScheduler;
    fleet: FleetClient;
    checkLimiter: RateLimiterAbstract;
    agentDownloadUrl: string | undefined;
    mdmEnrollmentUrl: string | undefined;
  };
}

/**
 * The employee's own schema, separate from the admin one: it can only ever return the signed-in
 * employee's devices, so no admin query needs an employee exception.
 */
type EmployeeSchemaTypes = { Context: EmployeeContext; DefaultFieldNullability: false };
// The admin builder's plugins (prisma, relay, errors) declare their options for every builder in
// the process; this builder uses none of them, hence the cast.
const builder = new SchemaBuilder<EmployeeSchemaTypes>({
  defaultFieldNullability: false,
} as unknown as ConstructorParameters<typeof SchemaBuilder<EmployeeSchemaTypes>>[0]);

interface DownloadLink {
  label: string;
  url: string;
}
const DownloadLinkRef = builder.objectRef<DownloadLink>("DownloadLink").implement({
  fields: (t) => ({ label: t.exposeString("label"), url: t.exposeString("url") }),
});

interface MyDevice {
  device: Device;
  offlineAfterDays: number;
}
function guidanceOptions(d: MyDevice, ctx: EmployeeContext): GuidanceOptions {
  return {
    offlineAfterDays: d.offlineAfterDays,
    agentDownloadUrl: ctx.services.agentDownloadUrl,
    mdmEnrollmentUrl: ctx.services.mdmEnrollmentUrl,
  };
}

function capitalize(words: string): string {
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const MyDeviceRef = builder.objectRef<MyDevice>("MyDevice").implement({
  description: "One of the signed-in employee's devices.",
  fields: (t) => ({
    id: t.id({ resolve: (d) => d.device.id }),
    name: t.string({ resolve: (d) => d.device.name }),
    serial: t.string({ nullable: true, resolve: (d) => d.device.serial }),
    platform: t.string({ resolve: (d) => d.device.platform }),
    platformName: t.string({
      description: 'The platform in the words of the e-mails: "Mac", "iPhone", "Windows PC"...',
      resolve: (d) => capitalize(platformName(d.device.platform)),
    }),
    status: t.string({ resolve: (d) => d.device.status }),
    statusSince: t.string({ resolve: (d) => d.device.statusSince.toISOString() }),
    summary: t.string({ resolve: (d, _args, ctx) => guidanceFor(d.device, guidanceOptions(d, ctx)).summary }),
    steps: t.stringList({ resolve: (d, _args, ctx) => guidanceFor(d.device, guidanceOptions(d, ctx)).steps }),
    downloads: t.field({
      type: [DownloadLinkRef],
      resolve: (d, _args, ctx) =>
        d.device.status === "ENROLLED"
          ? []
          : downloadsFor(d.device.platform, ctx.services.agentDownloadUrl, ctx.services.mdmEnrollmentUrl),
    }),
  }),
});

interface Me {
  email: string;
  name: string | null;
  devices: MyDevice[];
}
const MeRef = builder.objectRef<Me>("Me").implement({
  fields: (t) => ({
    email: t.exposeString("email"),
    name: t.exposeString("name", { nullable: true }),
    devices: t.field({ type: [MyDeviceRef], resolve: (me) => me.devices }),
  }),
});

async function myDevices(employeeId: string): Promise<MyDevice[]> {
  const settings = await loadSettings(prisma);
  const devices = await prisma.device.findMany({ where: { ownerId: employeeId }, orderBy: { name: "asc" } });
  return devices.map((device) => ({ device, offlineAfterDays: settings.offlineAfterDays }));
}

builder.queryType({
  fields: (t) => ({
    me: t.field({
      type: MeRef,
      resolve: async (_root, _args, ctx) => {
        const employee = await prisma.employee.findUniqueOrThrow({ where: { id: ctx.employee.employeeId } });
        return { email: employee.email, name: employee.name, devices: await myDevices(employee.id) };
      },
    }),
  }),
});

const CheckOutcome = builder.enumType("CheckOutcome", {
  values: ["CHECKED", "BUSY", "RATE_LIMITED"] as const,
});

interface CheckResult {
  outcome: (typeof CheckOutcome)["$inferType"];
  message: string;
  device: MyDevice;
}
const CheckResultRef = builder.objectRef<CheckResult>("CheckResult").implement({
  fields: (t) => ({
    outcome: t.field({ type: CheckOutcome, resolve: (r) => r.outcome }),
    message: t.exposeString("message"),
    device: t.field({ type: MyDeviceRef, resolve: (r) => r.device }),
  }),
});

builder.mutationType({
  fields: (t) => ({
    checkAgain: t.field({
      type: CheckResultRef,
      description: "Asks Fleet to refresh the device and checks it again right away.",
      args: { deviceId: t.arg.id({ required: true }) },
      resolve: async (_root, args, ctx): Promise<CheckResult> => {
        const id = String(args.deviceId);
        // Another employee's device and a device that does not exist look the same.
        const owned = /^[0-9a-f-]{36}$/i.test(id)
          ? await prisma.device.findFirst({ where: { id, ownerId: ctx.employee.employeeId } })
          : null;
        if (!owned) throw createGraphQLError("No such device.", { extensions: { code: "NOT_FOUND" } });
        const settings = await loadSettings(prisma);
        const view = (device: Device): MyDevice => ({ device, offlineAfterDays: settings.offlineAfterDays });
        try {
          await ctx.services.checkLimiter.consume(ctx.employee.employeeId);
        } catch {
          return {
            outcome: "RATE_LIMITED",
            message: "You checked a moment ago. Please wait a minute and try again.",
            device: view(owned),
          };
        }
        // The same actor as the sign-in and visits (`employee:<e-mail>`), so one filter finds them all.
        const { email } = await prisma.employee.findUniqueOrThrow({
          where: { id: ctx.employee.employeeId },
          select: { email: true },
        });
        await prisma.auditEntry.create({
          data: { actor: `employee:${email}`, action: "employee.checkAgain", target: owned.id },
        });
        await ctx.services.fleet.refetchHost(owned.fleetHostId).catch(() => {});
        const result = await ctx.services.scheduler.checkDevice(owned.fleetHostId);
        const device = await prisma.device.findUniqueOrThrow({ where: { id: owned.id } });
        if (!result.ran)
          return { outcome: "BUSY", message: `Not checked now: ${result.reason}.`, device: view(device) };
        return {
          outcome: "CHECKED",
          message:
            device.status === "ENROLLED"
              ? "Checked: your device is correctly enrolled."
              : "Checked: the device still needs the steps below.",
          device: view(device),
        };
      },
    }),
  }),
});

export const employeeSchema = builder.toSchema();
