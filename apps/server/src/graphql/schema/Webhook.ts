import { randomUUID } from "node:crypto";
import { checkWebhookTarget, newWebhookSecret, WEBHOOK_EVENT_KINDS, type WebhookEventKind } from "@enrollwatch/sync";
import { prisma } from "../../db.ts";
import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";
import { WebhookDeliveryStateEnum, WebhookEventKindEnum } from "./enums.ts";
import { ADMIN_ERRORS, FieldError, NotFoundError, requireAdmin, ValidationError } from "./errors.ts";
import { pageSize } from "./paging.ts";
import { nonEmptyQuery } from "./prismaQuery.ts";
import { isUuid } from "./SyncRun.ts";

builder.prismaObject("Webhook", {
  description:
    "Where alert events are posted, signed with HMAC-SHA256 (header Enrollwatch-Signature: v1=hex(HMAC(secret, timestamp + '.' + body)), timestamp in Enrollwatch-Webhook-Timestamp). The secret is shown once, at creation or rotation.",
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    url: t.exposeString("url"),
    events: t.field({
      type: [WebhookEventKindEnum],
      select: { events: true },
      resolve: (w) => w.events.filter((e): e is WebhookEventKind => e !== "SNOOZED" && e !== "REOPENED"),
    }),
    enabled: t.exposeBoolean("enabled"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    pendingDeliveries: t.relationCount("deliveries", { where: { state: "PENDING" } }),
    failedDeliveries: t.relationCount("deliveries", { where: { state: "FAILED" } }),
  }),
});

builder.prismaObject("WebhookDelivery", {
  description: "One POST to a webhook and how it went (the delivery log).",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Also the body's `id` and the Enrollwatch-Webhook-Id header." }),
    eventType: t.exposeString("eventType", {
      description: "alert.opened, alert.acknowledged, alert.resolved or webhook.test.",
    }),
    state: t.field({ type: WebhookDeliveryStateEnum, resolve: (d) => d.state }),
    attempts: t.exposeInt("attempts"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    lastAttemptAt: t.expose("lastAttemptAt", { type: "DateTime", nullable: true }),
    nextAttemptAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the next attempt is due, while PENDING.",
      resolve: (d) => (d.state === "PENDING" ? d.nextAttemptAt : null),
    }),
    deliveredAt: t.expose("deliveredAt", { type: "DateTime", nullable: true }),
    lastStatus: t.exposeInt("lastStatus", { nullable: true, description: "The receiver's last HTTP status." }),
    lastResponse: t.exposeString("lastResponse", {
      nullable: true,
      description: "The start of the receiver's last answer.",
    }),
    lastError: t.exposeString("lastError", { nullable: true }),
    body: t.exposeString("body"),
  }),
});

interface CreatedWebhook {
  id: string;
  secret: string;
}

const CreatedWebhookRef = builder.objectRef<CreatedWebhook>("CreatedWebhook").implement({
  fields: (t) => ({
    webhook: t.prismaField({
      type: "Webhook",
      resolve: (query, created) => prisma.webhook.findUniqueOrThrow({ ...query, where: { id: created.id } }),
    }),
    secret: t.exposeString("secret", { description: "Verify deliveries with it. Shown only now." }),
  }),
});

const WebhookInput = builder.inputType("WebhookInput", {
  description: "For updates, only the fields given change.",
  fields: (t) => ({
    name: t.string({ required: false }),
    url: t.string({ required: false, description: "http(s); private and loopback addresses are refused." }),
    events: t.field({ type: [WebhookEventKindEnum], required: false }),
    enabled: t.boolean({ required: false }),
  }),
});

type WebhookFields = { name: string; url: string; events: WebhookEventKind[]; enabled: boolean };

async function validateWebhook(
  base: Partial<WebhookFields>,
  input: { name?: string | null; url?: string | null; events?: WebhookEventKind[] | null; enabled?: boolean | null },
  ctx: GraphQLContext,
): Promise<WebhookFields> {
  const errors: FieldError[] = [];
  const name = (input.name ?? base.name ?? "").trim();
  if (name.length < 1 || name.length > 100) errors.push(new FieldError("name", "name must be 1 to 100 characters"));
  const rawUrl = input.url ?? base.url;
  let url = rawUrl ?? "";
  if (!rawUrl) errors.push(new FieldError("url", "url is required"));
  else if (input.url != null) {
    const checked = await checkWebhookTarget(rawUrl, ctx.services.allowPrivateWebhooks);
    if (checked.ok) url = checked.url.toString();
    else errors.push(new FieldError("url", checked.message));
  }
  const events = [...new Set(input.events ?? base.events ?? [...WEBHOOK_EVENT_KINDS])];
  if (events.length === 0) errors.push(new FieldError("events", "events must name at least one alert event"));
  if (errors.length > 0) throw new ValidationError(errors.map((e) => e.message).join("; "), errors);
  return { name, url, events, enabled: input.enabled ?? base.enabled ?? true };
}

async function findWebhook(raw: string | number) {
  const id = String(raw);
  const webhook = isUuid(id) ? await prisma.webhook.findUnique({ where: { id } }) : null;
  if (!webhook) throw new NotFoundError(`No webhook ${id}.`);
  return webhook;
}

function describe(w: { name: string; url: string; events: string[]; enabled: boolean }) {
  // The audit log never holds the secret.
  return { name: w.name, url: w.url, events: w.events, enabled: w.enabled };
}

builder.queryFields((t) => ({
  webhooks: t.prismaField({
    type: ["Webhook"],
    errors: { types: [...ADMIN_ERRORS] },
    resolve: (query, _root, _args, ctx) => {
      requireAdmin(ctx);
      return prisma.webhook.findMany({ ...query, orderBy: { createdAt: "asc" } });
    },
  }),
  webhookDeliveries: t.prismaField({
    type: ["WebhookDelivery"],
    description: "A webhook's deliveries, newest first.",
    errors: { types: [...ADMIN_ERRORS, NotFoundError] },
    args: { webhookId: t.arg.id({ required: true }), first: t.arg.int({ required: false, defaultValue: 50 }) },
    resolve: async (query, _root, args, ctx) => {
      requireAdmin(ctx);
      const webhook = await findWebhook(args.webhookId);
      return prisma.webhookDelivery.findMany({
        ...query,
        where: { webhookId: webhook.id },
        orderBy: [{ createdAt: "desc" }, { id: "asc" }],
        take: pageSize(args.first, 50, 500),
      });
    },
  }),
}));

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: CreatedWebhookRef,
    errors: { types: [...ADMIN_ERRORS, ValidationError] },
    args: { input: t.arg({ type: WebhookInput, required: true }) },
    resolve: async (_root, args, ctx) => {
      const actor = requireAdmin(ctx);
      const fields = await validateWebhook({}, args.input, ctx);
      const secret = newWebhookSecret();
      const webhook = await prisma.$transaction(async (tx) => {
        const created = await tx.webhook.create({
          data: { ...fields, secret: ctx.services.webhookSecrets.seal(secret) },
        });
        await tx.auditEntry.create({
          data: { actor, action: "webhook.create", target: created.id, after: describe(fields) },
        });
        return created;
      });
      return { id: webhook.id, secret };
    },
  }),
  updateWebhook: t.prismaField({
    type: "Webhook",
    errors: { types: [...ADMIN_ERRORS, NotFoundError, ValidationError] },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: WebhookInput, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const actor = requireAdmin(ctx);
      const webhook = await findWebhook(args.id);
      const fields = await validateWebhook(
        { ...webhook, events: webhook.events as WebhookEventKind[] },
        args.input,
        ctx,
      );
      return prisma.$transaction(async (tx) => {
        const updated = await tx.webhook.update({ ...nonEmptyQuery(query), where: { id: webhook.id }, data: fields });
        await tx.auditEntry.create({
          data: {
            actor,
            action: "webhook.update",
            target: webhook.id,
            before: describe(webhook),
            after: describe(fields),
          },
        });
        return updated;
      });
    },
  }),
  setWebhookEnabled: t.prismaField({
    type: "Webhook",
    description: "A disabled webhook gets no new deliveries; queued ones still go out.",
    errors: { types: [...ADMIN_ERRORS, NotFoundError] },
    args: { id: t.arg.id({ required: true }), enabled: t.arg.boolean({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const actor = requireAdmin(ctx);
      const webhook = await findWebhook(args.id);
      return prisma.$transaction(async (tx) => {
        const updated = await tx.webhook.update({
          ...nonEmptyQuery(query),
          where: { id: webhook.id },
          data: { enabled: args.enabled },
        });
        await tx.auditEntry.create({
          data: { actor, action: args.enabled ? "webhook.enable" : "webhook.disable", target: webhook.id },
        });
        return updated;
      });
    },
  }),
  rotateWebhookSecret: t.field({
    type: CreatedWebhookRef,
    description: "A new secret for the webhook, shown once; deliveries from now on are signed with it.",
    errors: { types: [...ADMIN_ERRORS, NotFoundError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const actor = requireAdmin(ctx);
      const webhook = await findWebhook(args.id);
      const secret = newWebhookSecret();
      await prisma.$transaction(async (tx) => {
        await tx.webhook.update({
          where: { id: webhook.id },
          data: { secret: ctx.services.webhookSecrets.seal(secret) },
        });
        await tx.auditEntry.create({ data: { actor, action: "webhook.rotateSecret", target: webhook.id } });
      });
      return { id: webhook.id, secret };
    },
  }),
  deleteWebhook: t.field({
    type: "ID",
    description: "Deletes the webhook and its delivery log; queued deliveries are dropped.",
    errors: { types: [...ADMIN_ERRORS, NotFoundError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const actor = requireAdmin(ctx);
      const webhook = await findWebhook(args.id);
      await prisma.$transaction(async (tx) => {
        await tx.webhook.delete({ where: { id: webhook.id } });
        await tx.auditEntry.create({
          data: { actor, action: "webhook.delete", target: webhook.id, before: describe(webhook) },
        });
      });
      return webhook.id;
    },
  }),
  sendTestWebhook: t.prismaField({
    type: "WebhookDelivery",
    description:
      "Queues a signed webhook.test delivery (even to a disabled webhook) and returns it; its outcome shows in webhookDeliveries.",
    errors: { types: [...ADMIN_ERRORS, NotFoundError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const actor = requireAdmin(ctx);
      const webhook = await findWebhook(args.id);
      const id = randomUUID();
      const createdAt = new Date();
      const body = JSON.stringify({
        id,
        type: "webhook.test",
        createdAt: createdAt.toISOString(),
        data: { webhook: { id: webhook.id, name: webhook.name }, sentBy: actor },
      });
      const delivery = await prisma.$transaction(async (tx) => {
        const row = await tx.webhookDelivery.create({
          ...nonEmptyQuery(query),
          data: { id, webhookId: webhook.id, eventType: "webhook.test", body, createdAt, nextAttemptAt: createdAt },
        });
        await tx.auditEntry.create({
          data: { actor, action: "webhook.test", target: webhook.id, after: { deliveryId: id } },
        });
        return row;
      });
      ctx.services.webhooks.poke();
      return delivery;
    },
  }),
}));
