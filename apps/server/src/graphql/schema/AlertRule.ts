import { type AlertRuleDefinition, type AlertRuleInput as AlertRulePatch, validateAlertRule } from "@enrollwatch/sync";
import { prisma } from "../../db.ts";
import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";
import { AdminNotificationEnum, AlertSeverityEnum, EnrollmentStatusEnum } from "./enums.ts";
import { ADMIN_ERRORS, FieldError, NotFoundError, requireAdmin, ValidationError } from "./errors.ts";
import { nonEmptyQuery } from "./prismaQuery.ts";
import { isUuid } from "./SyncRun.ts";

builder.prismaObject("AlertRule", {
  description:
    "What counts as a violation: a device in one of `statuses` (on one of `platforms` and in one of `teams` or in no team with `includeNoTeam`, when given) for at least `gracePeriodHours`.",
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    enabled: t.exposeBoolean("enabled"),
    severity: t.expose("severity", { type: AlertSeverityEnum }),
    statuses: t.expose("statuses", { type: [EnrollmentStatusEnum] }),
    platforms: t.exposeStringList("platforms", { description: "Fleet platforms; empty matches every platform." }),
    teams: t.exposeStringList("teams", {
      description: "Fleet team names; empty (and `includeNoTeam` false) matches every team and the devices in none.",
    }),
    includeNoTeam: t.exposeBoolean("includeNoTeam", {
      description: "The devices in no team break the rule too; with no `teams`, only they do.",
    }),
    gracePeriodHours: t.exposeInt("gracePeriodHours", {
      description: "Minimum time in the status before an alert opens.",
    }),
    adminNotification: t.expose("adminNotification", { type: AdminNotificationEnum }),
    adminEmails: t.exposeStringList("adminEmails"),
    remindEmployee: t.exposeBoolean("remindEmployee", {
      description: "Send the owner the remediation message when the alert opens (at most once per alert).",
    }),
    notifyWebhooks: t.exposeBoolean("notifyWebhooks"),
    openAlertCount: t.relationCount("alerts", {
      description: "Alerts of this rule not yet resolved.",
      where: { state: { not: "RESOLVED" } },
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const AlertRuleInput = builder.inputType("AlertRuleInput", {
  description: "For updates, only the fields given change; the rule is validated as a whole.",
  fields: (t) => ({
    name: t.string({ required: false }),
    enabled: t.boolean({ required: false }),
    severity: t.field({ type: AlertSeverityEnum, required: false }),
    statuses: t.field({ type: [EnrollmentStatusEnum], required: false }),
    platforms: t.stringList({ required: false }),
    teams: t.stringList({ required: false }),
    includeNoTeam: t.boolean({ required: false }),
    gracePeriodHours: t.int({ required: false }),
    adminNotification: t.field({ type: AdminNotificationEnum, required: false }),
    adminEmails: t.stringList({ required: false }),
    remindEmployee: t.boolean({ required: false }),
    notifyWebhooks: t.boolean({ required: false }),
  }),
});

function patchFrom(input: Record<string, unknown>): AlertRulePatch {
  // GraphQL null means "not given": a rule has no nullable fields to clear.
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined)) as AlertRulePatch;
}

function invalid(errors: { field: string; message: string }[]): ValidationError {
  return new ValidationError(
    errors.map((e) => e.message).join("; "),
    errors.map((e) => new FieldError(e.field, e.message)),
  );
}

async function nameTaken(name: string, exceptId?: string): Promise<boolean> {
  const other = await prisma.alertRule.findFirst({
    where: { name: { equals: name, mode: "insensitive" }, ...(exceptId ? { id: { not: exceptId } } : {}) },
    select: { id: true },
  });
  return other !== null;
}

async function findRule(raw: string | number) {
  const id = String(raw);
  const rule = isUuid(id) ? await prisma.alertRule.findUnique({ where: { id } }) : null;
  if (!rule) throw new NotFoundError(`No alert rule ${id}.`);
  return rule;
}

/** Re-evaluates at once, so the queue reflects the rule as saved when the mutation answers. */
async function reevaluate(ctx: GraphQLContext): Promise<void> {
  const result = await ctx.services.alerts.evaluate();
  if (result.deliveries > 0) ctx.services.webhooks.poke();
}

builder.queryField("alertRules", (t) =>
  t.prismaField({
    type: ["AlertRule"],
    resolve: (query) => prisma.alertRule.findMany({ ...query, orderBy: [{ severity: "desc" }, { name: "asc" }] }),
  }),
);

builder.mutationFields((t) => ({
  createAlertRule: t.prismaField({
    type: "AlertRule",
    description: "Name, severity and statuses are required; alerts for devices already breaking it open at once.",
    errors: { types: [...ADMIN_ERRORS, ValidationError] },
    args: { input: t.arg({ type: AlertRuleInput, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const actor = requireAdmin(ctx);
      const patch = patchFrom(args.input);
      const missing = (["name", "severity", "statuses"] as const)
        .filter((field) => patch[field] === undefined)
        .map((field) => ({ field, message: `${field} is required` }));
      if (missing.length > 0) throw invalid(missing);
      const result = validateAlertRule({}, patch);
      if (!result.ok) throw invalid(result.errors);
      if (await nameTaken(result.rule.name)) {
        throw invalid([{ field: "name", message: `a rule named "${result.rule.name}" already exists` }]);
      }
      const created = await prisma.$transaction(async (tx) => {
        const rule = await tx.alertRule.create({ data: result.rule });
        await tx.auditEntry.create({
          data: { actor, action: "alertRule.create", target: rule.id, after: result.rule },
        });
        return rule;
      });
      await reevaluate(ctx);
      return prisma.alertRule.findUniqueOrThrow({ ...nonEmptyQuery(query), where: { id: created.id } });
    },
  }),
  updateAlertRule: t.prismaField({
    type: "AlertRule",
    errors: { types: [...ADMIN_ERRORS, NotFoundError, ValidationError] },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: AlertRuleInput, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const actor = requireAdmin(ctx);
      const rule = await findRule(args.id);
      const result = validateAlertRule(definitionOf(rule), patchFrom(args.input));
      if (!result.ok) throw invalid(result.errors);
      if (await nameTaken(result.rule.name, rule.id)) {
        throw invalid([{ field: "name", message: `a rule named "${result.rule.name}" already exists` }]);
      }
      await saveRule(rule.id, definitionOf(rule), result.rule, actor, "alertRule.update");
      await reevaluate(ctx);
      return prisma.alertRule.findUniqueOrThrow({ ...nonEmptyQuery(query), where: { id: rule.id } });
    },
  }),
  setAlertRuleEnabled: t.prismaField({
    type: "AlertRule",
    description: "Disabling a rule resolves its alerts; enabling it opens alerts for devices already breaking it.",
    errors: { types: [...ADMIN_ERRORS, NotFoundError] },
    args: { id: t.arg.id({ required: true }), enabled: t.arg.boolean({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const actor = requireAdmin(ctx);
      const rule = await findRule(args.id);
      const before = definitionOf(rule);
      await saveRule(
        rule.id,
        before,
        { ...before, enabled: args.enabled },
        actor,
        args.enabled ? "alertRule.enable" : "alertRule.disable",
      );
      await reevaluate(ctx);
      return prisma.alertRule.findUniqueOrThrow({ ...nonEmptyQuery(query), where: { id: rule.id } });
    },
  }),
  deleteAlertRule: t.field({
    type: "ID",
    description: "Resolves the rule's live alerts (webhooks hear it), then deletes the rule and its alert history.",
    errors: { types: [...ADMIN_ERRORS, NotFoundError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const actor = requireAdmin(ctx);
      const rule = await findRule(args.id);
      if (rule.enabled) {
        await prisma.alertRule.update({ where: { id: rule.id }, data: { enabled: false } });
        await reevaluate(ctx);
      }
      await prisma.$transaction(async (tx) => {
        await tx.alertRule.delete({ where: { id: rule.id } });
        await tx.auditEntry.create({
          data: { actor, action: "alertRule.delete", target: rule.id, before: definitionOf(rule) },
        });
      });
      ctx.services.pubsub.publish("alerts", {});
      return rule.id;
    },
  }),
}));

function definitionOf(rule: {
  name: string;
  enabled: boolean;
  severity: AlertRuleDefinition["severity"];
  statuses: string[];
  platforms: string[];
  teams: string[];
  includeNoTeam: boolean;
  gracePeriodHours: number;
  adminNotification: AlertRuleDefinition["adminNotification"];
  adminEmails: string[];
  remindEmployee: boolean;
  notifyWebhooks: boolean;
}): AlertRuleDefinition {
  return {
    name: rule.name,
    enabled: rule.enabled,
    severity: rule.severity,
    statuses: rule.statuses as AlertRuleDefinition["statuses"],
    platforms: rule.platforms as AlertRuleDefinition["platforms"],
    teams: rule.teams,
    includeNoTeam: rule.includeNoTeam,
    gracePeriodHours: rule.gracePeriodHours,
    adminNotification: rule.adminNotification,
    adminEmails: rule.adminEmails,
    remindEmployee: rule.remindEmployee,
    notifyWebhooks: rule.notifyWebhooks,
  };
}

async function saveRule(
  id: string,
  before: AlertRuleDefinition,
  after: AlertRuleDefinition,
  actor: string,
  action: string,
): Promise<void> {
  await prisma.$transaction(async (tx) => {
    await tx.alertRule.update({ where: { id }, data: after });
    await tx.auditEntry.create({ data: { actor, action, target: id, before, after } });
  });
}
