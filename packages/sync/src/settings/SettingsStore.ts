import type { PrismaClient } from "@enrollwatch/db";
import type { EventPublisher } from "../events/EnrollwatchTopics.ts";
import { SETTINGS_KEYS, type Settings, type SettingsError, validateSettingsPatch } from "./SettingsSchema.ts";

/** Reads the single settings row, creating it with the defaults on first use. */
export async function loadSettings(prisma: PrismaClient): Promise<Settings> {
  const row = await prisma.settings.upsert({ where: { id: 1 }, create: {}, update: {} });
  return pickSettings(row);
}

function pickSettings(row: Settings & Record<string, unknown>): Settings {
  return Object.fromEntries(SETTINGS_KEYS.map((key) => [key, row[key]])) as Settings;
}

export type SettingsUpdateResult = { ok: true; settings: Settings } | { ok: false; errors: SettingsError[] };

/**
 * Validates and applies a settings patch with its audit entry in one transaction, then tells
 * subscribers. An invalid patch changes nothing and names each bad field.
 */
export async function updateSettings(
  prisma: PrismaClient,
  patch: Partial<Settings>,
  actor: string,
  publisher: EventPublisher,
): Promise<SettingsUpdateResult> {
  const result = await prisma.$transaction(async (tx) => {
    const before = pickSettings(await tx.settings.upsert({ where: { id: 1 }, create: {}, update: {} }));
    const validated = validateSettingsPatch(before, patch);
    if (!validated.ok) return validated;
    const row = await tx.settings.update({ where: { id: 1 }, data: validated.settings });
    await tx.auditEntry.create({
      data: {
        actor,
        action: "settings.update",
        target: "settings",
        before: toJson(before),
        after: toJson(validated.settings),
      },
    });
    return { ok: true as const, settings: pickSettings(row), updatedAt: row.updatedAt };
  });
  if (!result.ok) return result;
  publisher.publish("settings", { updatedAt: result.updatedAt.toISOString() });
  return { ok: true, settings: result.settings };
}

function toJson(settings: Settings): Record<string, string | number | boolean | null> {
  return Object.fromEntries(
    Object.entries(settings).map(([k, v]) => [
      k,
      v instanceof Date ? v.toISOString() : (v as string | number | boolean | null),
    ]),
  );
}
