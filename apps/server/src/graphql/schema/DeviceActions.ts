import { sendRemediationMessage } from "@enrollwatch/sync";
import { decodeGlobalID } from "@pothos/plugin-relay";
import { prisma } from "../../db.ts";
import { builder } from "../builder.ts";
import { MessageKindEnum, OutboundMessageKindEnum } from "./enums.ts";
import { ADMIN_ERRORS, ConflictError, FieldError, NotFoundError, requireAdmin, ValidationError } from "./errors.ts";
import { pageSize } from "./paging.ts";
import { nonEmptyQuery } from "./prismaQuery.ts";
import { isUuid } from "./SyncRun.ts";

/** A Device's Relay id to its database id, or null when it cannot be one. */
export function deviceIdOrNull(globalId: string): string | null {
  try {
    const { typename, id } = decodeGlobalID(globalId);
    if (typename === "Device" && isUuid(id)) return id;
  } catch {
    // not a global id
  }
  return null;
}

/** A Device's Relay id to its database id; anything else is an unknown device (a typed NotFound). */
export function deviceIdFrom(globalId: string): string {
  const id = deviceIdOrNull(globalId);
  if (id === null) throw new NotFoundError(`No device ${globalId}.`);
  return id;
}

const OutboundMessageRef = builder.prismaObject("OutboundMessage", {
  description: "A message in the outbox: what was (or will be) sent to whom, and how delivery went.",
  fields: (t) => ({
    id: t.exposeID("id"),
    recipient: t.exposeString("recipient"),
    kind: t.field({ type: OutboundMessageKindEnum, resolve: (m) => m.kind }),
    subject: t.exposeString("subject"),
    body: t.exposeString("body"),
    state: t.exposeString("state", { description: "PENDING, SENT, FAILED or UNSENT (no SMTP configured)." }),
    attempts: t.exposeInt("attempts"),
    lastError: t.exposeString("lastError", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    sentAt: t.expose("sentAt", { type: "DateTime", nullable: true }),
    device: t.relation("device", { nullable: true }),
  }),
});

builder.queryField("outboundMessages", (t) =>
  t.prismaField({
    type: ["OutboundMessage"],
    description: "The outbox, newest first.",
    args: { first: t.arg.int({ required: false, defaultValue: 50 }), deviceId: t.arg.id({ required: false }) },
    resolve: async (query, _root, args) => {
      // A query has no error union: an unknown device simply has no messages (throwing NotFoundError
      // here reached the client as a masked "Unexpected error" and the log as an error).
      const deviceId = args.deviceId ? deviceIdOrNull(String(args.deviceId)) : undefined;
      if (deviceId === null) return [];
      return prisma.outboundMessage.findMany({
        ...query,
        where: deviceId ? { deviceId } : {},
        orderBy: { createdAt: "desc" },
        take: pageSize(args.first, 50, 500),
      });
    },
  }),
);

builder.mutationField("sendRemediation", (t) =>
  t.field({
    type: OutboundMessageRef,
    description: "Queues one of the article's remediation messages to the device's owner.",
    errors: { types: [...ADMIN_ERRORS, NotFoundError, ConflictError, ValidationError] },
    args: { deviceId: t.arg.id({ required: true }), kind: t.arg({ type: MessageKindEnum, required: true }) },
    resolve: async (_root, args, ctx) => {
      const actor = requireAdmin(ctx);
      const id = deviceIdFrom(String(args.deviceId));
      const result = await sendRemediationMessage(prisma, id, args.kind, actor, ctx.services.links);
      if (!result.ok) {
        switch (result.reason) {
          case "DEVICE_NOT_FOUND":
            throw new NotFoundError(result.message);
          case "MESSAGE_NOT_FOR_PLATFORM":
            throw new ValidationError(result.message, [new FieldError("kind", result.message)]);
          case "DEVICE_HAS_NO_OWNER":
            throw new ConflictError(result.message);
        }
      }
      void ctx.services.outbox.deliverDue().catch(() => {});
      return prisma.outboundMessage.findUniqueOrThrow({ where: { id: result.messageId } });
    },
  }),
);

builder.mutationField("unenrollDevice", (t) =>
  t.prismaField({
    type: "Device",
    description: "Purges the device from Fleet and marks it UNENROLLED (its owner is re-invited if the setting is on).",
    errors: { types: [...ADMIN_ERRORS, NotFoundError, ConflictError] },
    args: { deviceId: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const actor = requireAdmin(ctx);
      const id = deviceIdFrom(String(args.deviceId));
      const device = await prisma.device.findUnique({ where: { id } });
      if (!device) throw new NotFoundError(`No device ${String(args.deviceId)}.`);
      if (device.status === "UNENROLLED") throw new ConflictError(`${device.name} is already unenrolled.`);
      const settings = await prisma.settings.findUnique({ where: { id: 1 } });
      const outcome = await ctx.services.unenrollment.unenroll([id], {
        by: "ADMIN",
        actor,
        resendInvitation: settings?.resendInvitationOnUnenroll ?? false,
      });
      const failure = outcome.failures[0];
      if (failure) throw new ConflictError(`Fleet did not purge ${device.name}: ${failure.error}`);
      void ctx.services.outbox.deliverDue().catch(() => {});
      // A transition outside a sync: the device's alerts follow it now, not at the next sync.
      await ctx.services.alerts.evaluate();
      return prisma.device.findUniqueOrThrow({ ...nonEmptyQuery(query), where: { id } });
    },
  }),
);
