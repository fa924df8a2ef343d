import {
  BULK_PLAN_SAMPLE_SIZE,
  BULK_REMEDIATION_MAX_DEVICES,
  BULK_REMEDIATION_MAX_SKIP_HOURS,
  BULK_REMEDIATION_REPEAT_MS,
  type BulkPlanSummary,
  type MessageKind,
  previewBulkRemediation,
  sendBulkRemediation,
} from "@enrollwatch/sync";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { createGraphQLError } from "graphql-yoga";
import { prisma } from "../../db.ts";
import { builder } from "../builder.ts";
import { DeviceFilterInput } from "./Device.ts";
import { type DeviceFilter, deviceWhere } from "./DeviceWhere.ts";
import { MessageKindEnum } from "./enums.ts";
import { ADMIN_ERRORS, ConflictError, FieldError, requireAdmin, ValidationError } from "./errors.ts";

const DEFAULT_SKIP_HOURS = 24;

const MessageKindCountRef = builder.objectRef<{ kind: MessageKind; count: number }>("MessageKindCount").implement({
  fields: (t) => ({
    kind: t.field({ type: MessageKindEnum, resolve: (c) => c.kind }),
    count: t.exposeInt("count"),
  }),
});

const BulkMessagePreviewRef = builder.objectRef<BulkPlanSummary["sample"][number]>("BulkMessagePreview").implement({
  description: "One message a bulk send would queue (or queued).",
  fields: (t) => ({
    deviceId: t.id({ description: "The Device's global id.", resolve: (m) => encodeGlobalID("Device", m.deviceId) }),
    deviceName: t.exposeString("deviceName"),
    recipient: t.exposeString("recipient", { description: "The owner's e-mail address." }),
    recipientName: t.exposeString("recipientName", { nullable: true }),
    kind: t.field({ type: MessageKindEnum, resolve: (m) => m.kind }),
  }),
});

const BulkRemediationPlanRef = builder.objectRef<BulkPlanSummary>("BulkRemediationPlan").implement({
  description:
    "What messaging the owners of a filter's devices comes to: how many messages, to how many people, and why the other devices get none.",
  fields: (t) => ({
    fingerprint: t.exposeString("fingerprint", {
      description:
        "Which messages go to which devices, as a hash; give it back as expectedFingerprint so that a send goes out only as planned.",
    }),
    devices: t.exposeInt("devices", { description: "Devices the filter matches." }),
    limit: t.int({
      description: "The most devices one send may message.",
      resolve: () => BULK_REMEDIATION_MAX_DEVICES,
    }),
    overLimit: t.exposeBoolean("overLimit", {
      description: "More devices match than `limit`: nothing can be sent until the filter is narrower.",
    }),
    messages: t.exposeInt("messages", { description: "Messages that would be (or were) queued: one per device." }),
    recipients: t.exposeInt("recipients", { description: "Distinct owners those messages go to." }),
    byKind: t.field({ type: [MessageKindCountRef], resolve: (p) => p.byKind }),
    sample: t.field({
      type: [BulkMessagePreviewRef],
      description: `The first ${BULK_PLAN_SAMPLE_SIZE} messages by device name: who is written to about what.`,
      resolve: (p) => p.sample,
    }),
    skippedEnrolled: t.int({
      description: "Enrolled devices: nothing to fix, never messaged.",
      resolve: (p) => p.skipped.ENROLLED,
    }),
    skippedNoMessage: t.int({
      description:
        "Devices with no message to send: their remedy is the admin's own (renewing the APNs certificate), or the chosen kind means nothing for their platform (an agent link to a phone, a profile guide to a PC).",
      resolve: (p) => p.skipped.NO_MESSAGE,
    }),
    skippedNoOwner: t.int({
      description: "Devices without a known owner in Fleet.",
      resolve: (p) => p.skipped.NO_OWNER,
    }),
    skippedRecentlySent: t.int({
      description: "Devices whose owner already got the same message about them within skipIfSentWithinHours.",
      resolve: (p) => p.skipped.RECENTLY_SENT,
    }),
  }),
});

const BulkRemediationResultRef = builder
  .objectRef<{ plan: BulkPlanSummary; auditEntryId: string }>("BulkRemediationResult")
  .implement({
    fields: (t) => ({
      plan: t.field({ type: BulkRemediationPlanRef, resolve: (r) => r.plan }),
      queued: t.int({ description: "Messages put in the outbox.", resolve: (r) => r.plan.messages }),
      auditEntryId: t.exposeID("auditEntryId", { description: "The send's entry in the audit log." }),
    }),
  });

const BulkRemediationInput = builder.inputType("BulkRemediationInput", {
  fields: (t) => ({
    filter: t.field({ type: DeviceFilterInput, required: false, description: "The devices, as in Query.devices." }),
    kind: t.field({
      type: MessageKindEnum,
      required: false,
      description: "The message for every device; omitted, each device gets the one its own problem calls for.",
    }),
    skipIfSentWithinHours: t.int({
      required: false,
      defaultValue: DEFAULT_SKIP_HOURS,
      description: `Skip a device whose owner got the same message about it this recently (0..${BULK_REMEDIATION_MAX_SKIP_HOURS}; 0 skips none).`,
    }),
    expectedFingerprint: t.string({
      required: false,
      description:
        "The `fingerprint` of the plan the admin confirmed: if the plan now sends other messages or to other devices (even as many), nothing is sent (ConflictError).",
    }),
    expectedMessages: t.int({
      required: true,
      description:
        "The `messages` of the plan the admin confirmed. If the plan now comes to another number, nothing is sent (ConflictError).",
    }),
  }),
});

const SKIP_HOURS_RANGE = `skipIfSentWithinHours must be between 0 and ${BULK_REMEDIATION_MAX_SKIP_HOURS}.`;

function validSkipHours(value: number | null | undefined): number | null {
  const hours = value ?? DEFAULT_SKIP_HOURS;
  return Number.isInteger(hours) && hours >= 0 && hours <= BULK_REMEDIATION_MAX_SKIP_HOURS ? hours : null;
}

builder.queryField("bulkRemediationPlan", (t) =>
  t.field({
    type: BulkRemediationPlanRef,
    description: "What sendBulkRemediation would send now for these arguments, sending nothing.",
    args: {
      filter: t.arg({ type: DeviceFilterInput, required: false }),
      kind: t.arg({ type: MessageKindEnum, required: false }),
      skipIfSentWithinHours: t.arg.int({ required: false, defaultValue: DEFAULT_SKIP_HOURS }),
    },
    resolve: async (_root, args) => {
      const hours = validSkipHours(args.skipIfSentWithinHours);
      if (hours === null) {
        throw createGraphQLError(SKIP_HOURS_RANGE, {
          extensions: { code: "BAD_USER_INPUT", argument: "skipIfSentWithinHours" },
        });
      }
      return previewBulkRemediation(prisma, {
        where: await deviceWhere(args.filter as DeviceFilter | null | undefined),
        kind: args.kind ?? null,
        skipIfSentWithinHours: hours,
        now: new Date(),
      });
    },
  }),
);

builder.mutationField("sendBulkRemediation", (t) =>
  t.field({
    type: BulkRemediationResultRef,
    description: `Messages the owners of the filter's devices (at most ${BULK_REMEDIATION_MAX_DEVICES} devices): one of the article's remediation messages per device, audited per device and as one send. The same send again within ${BULK_REMEDIATION_REPEAT_MS / 60_000} minutes is refused (ConflictError).`,
    errors: { types: [...ADMIN_ERRORS, ValidationError, ConflictError] },
    args: { input: t.arg({ type: BulkRemediationInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const actor = requireAdmin(ctx);
      const filter = input.filter as DeviceFilter | null | undefined;
      const hours = validSkipHours(input.skipIfSentWithinHours);
      if (hours === null)
        throw new ValidationError(SKIP_HOURS_RANGE, [new FieldError("skipIfSentWithinHours", SKIP_HOURS_RANGE)]);
      const result = await sendBulkRemediation(prisma, {
        where: await deviceWhere(filter),
        kind: input.kind ?? null,
        skipIfSentWithinHours: hours,
        now: new Date(),
        expectedMessages: input.expectedMessages,
        expectedFingerprint: input.expectedFingerprint ?? null,
        actor,
        links: ctx.services.links,
        filter: filter ?? null,
      });
      if (!result.ok) {
        if (result.reason === "OVER_LIMIT")
          throw new ValidationError(result.message, [new FieldError("filter", result.message)]);
        throw new ConflictError(result.message);
      }
      if (result.summary.messages > 0) void ctx.services.outbox.deliverDue().catch(() => {});
      return { plan: result.summary, auditEntryId: result.auditEntryId };
    },
  }),
);
