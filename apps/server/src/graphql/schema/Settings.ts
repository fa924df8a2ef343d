import { loadSettings, type Settings, updateSettings } from "@enrollwatch/sync";
import { Repeater } from "graphql-yoga";
import { prisma } from "../../db.ts";
import { TopicSignals } from "../../live/TopicSignals.ts";
import type { EnrollwatchPubSub } from "../../pubsub.ts";
import { builder } from "../builder.ts";
import { ADMIN_ERRORS, FieldError, requireAdmin, ValidationError } from "./errors.ts";

const SettingsRef = builder.objectRef<Settings>("Settings").implement({
  description: "How Enrollwatch judges and acts on devices. Changed with updateSettings (ADMIN).",
  fields: (t) => ({
    syncIntervalMinutes: t.exposeInt("syncIntervalMinutes", {
      description: "Minutes between syncs with Fleet (5..1440).",
    }),
    agentInactiveAfterHours: t.exposeInt("agentInactiveAfterHours", {
      description: "Hours without agent data, while the device is in contact, before AGENT_INACTIVE.",
    }),
    offlineAfterDays: t.exposeInt("offlineAfterDays", { description: "Days without any contact before OFFLINE." }),
    autoUnenrollEnabled: t.exposeBoolean("autoUnenrollEnabled", {
      description: "Purge devices offline for longer than autoUnenrollAfterDays from Fleet.",
    }),
    autoUnenrollAfterDays: t.exposeInt("autoUnenrollAfterDays", { description: "Must exceed offlineAfterDays." }),
    autoUnenrollMaxPercent: t.exposeInt("autoUnenrollMaxPercent", {
      description: "Above this share of the fleet in one run, auto-unenrolment waits for an admin's confirmation.",
    }),
    resendInvitationOnUnenroll: t.exposeBoolean("resendInvitationOnUnenroll", {
      description: "Send the owner of a purged device a new enrolment invitation.",
    }),
    apnsCertificateExpiresAt: t.expose("apnsCertificateExpiresAt", {
      type: "DateTime",
      nullable: true,
      description:
        "When the Apple Push Notification certificate expires; after it, Apple MDM profiles stop validating.",
    }),
  }),
});

const SettingsInput = builder.inputType("SettingsInput", {
  description: "Only the fields given change; the result is validated as a whole.",
  fields: (t) => ({
    syncIntervalMinutes: t.int({ required: false }),
    agentInactiveAfterHours: t.int({ required: false }),
    offlineAfterDays: t.int({ required: false }),
    autoUnenrollEnabled: t.boolean({ required: false }),
    autoUnenrollAfterDays: t.int({ required: false }),
    autoUnenrollMaxPercent: t.int({ required: false }),
    resendInvitationOnUnenroll: t.boolean({ required: false }),
    apnsCertificateExpiresAt: t.field({ type: "DateTime", required: false }),
    clearApnsCertificateExpiresAt: t.boolean({ required: false, description: "Forget the APNs expiry date." }),
  }),
});

builder.queryField("settings", (t) => t.field({ type: SettingsRef, resolve: () => loadSettings(prisma) }));

builder.mutationField("updateSettings", (t) =>
  t.field({
    type: SettingsRef,
    errors: { types: [...ADMIN_ERRORS, ValidationError] },
    args: { input: t.arg({ type: SettingsInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const actor = requireAdmin(ctx);
      const { clearApnsCertificateExpiresAt, ...rest } = input;
      // GraphQL null means "not given" here; only the explicit clear flag removes the APNs date.
      const patch = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null && v !== undefined));
      if (clearApnsCertificateExpiresAt) patch.apnsCertificateExpiresAt = null;
      const result = await updateSettings(prisma, patch as Partial<Settings>, actor, ctx.services.pubsub);
      if (!result.ok) {
        throw new ValidationError(
          result.errors.map((e) => e.message).join("; "),
          result.errors.map((e) => new FieldError(e.field, e.message)),
        );
      }
      return result.settings;
    },
  }),
);

builder.subscriptionField("settings", (t) =>
  t.field({
    type: SettingsRef,
    description: "The current settings first, then after every change.",
    subscribe: (_root, _args, ctx) => settingsStream(ctx.services.pubsub),
    resolve: (settings) => settings,
  }),
);

/** A Repeater, so a client that leaves is let go at once, not at the next change (TopicSignals). */
function settingsStream(pubsub: EnrollwatchPubSub): AsyncIterable<Settings> {
  return new Repeater<Settings>(async (push, stop) => {
    const signals = new TopicSignals(pubsub, "settings");
    void stop.then(() => signals.close());
    await push(await loadSettings(prisma));
    while (await signals.next()) await push(await loadSettings(prisma));
    stop();
  });
}
