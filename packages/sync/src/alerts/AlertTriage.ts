import type { Database } from "@enrollwatch/db";
import type { EventPublisher } from "../events/EnrollwatchTopics.ts";
import { ts } from "../sql/SqlTime.ts";
import { lockAlertEventWriters, recordAlertEvents } from "./AlertEventLog.ts";

export type TriageResult =
  | { ok: true; deliveries: number }
  | { ok: false; reason: "NOT_FOUND" | "RESOLVED" | "INVALID"; field?: string; message: string };

/** A year; longer is not a snooze, it is switching the rule off. */
const MAX_SNOOZE_MS = 365 * 86_400_000;

/**
 * What an admin does with an alert: acknowledge it (who, with a note) or snooze it until a time.
 * Each change, its event (with queued webhook deliveries) and its audit entry commit together; the
 * subscribers' signal goes out after.
 */
export class AlertTriage {
  constructor(
    private readonly db: Database,
    private readonly publisher: EventPublisher,
    private readonly now: () => Date = () => new Date(),
  ) {}

  acknowledge(alertId: string, actor: string, note: string | null): Promise<TriageResult> {
    const clean = note?.trim() || null;
    if (clean && clean.length > 2000) {
      return Promise.resolve({
        ok: false,
        reason: "INVALID",
        field: "note",
        message: "note must be at most 2000 characters",
      });
    }
    return this.change(alertId, actor, "ACKNOWLEDGED", clean, (now) => ({
      sql: `state = 'ACKNOWLEDGED', "acknowledgedAt" = $2::timestamp(3), "acknowledgedBy" = $3, note = $4, "snoozedUntil" = NULL`,
      params: [ts(now), actor, clean],
    }));
  }

  snooze(alertId: string, actor: string, until: Date, note: string | null): Promise<TriageResult> {
    const now = this.now();
    if (Number.isNaN(until.getTime()) || until <= now) {
      return Promise.resolve({ ok: false, reason: "INVALID", field: "until", message: "until must be in the future" });
    }
    if (until.getTime() - now.getTime() > MAX_SNOOZE_MS) {
      return Promise.resolve({
        ok: false,
        reason: "INVALID",
        field: "until",
        message: "until must be within a year; disable the rule instead",
      });
    }
    const clean = note?.trim() || null;
    return this.change(alertId, actor, "SNOOZED", clean ?? `Snoozed until ${until.toISOString()}`, () => ({
      sql: `state = 'SNOOZED', "snoozedUntil" = $2::timestamp(3), note = COALESCE($3, note)`,
      params: [ts(until), clean],
    }));
  }

  private async change(
    alertId: string,
    actor: string,
    kind: "ACKNOWLEDGED" | "SNOOZED",
    eventNote: string | null,
    update: (now: Date) => { sql: string; params: unknown[] },
  ): Promise<TriageResult> {
    const now = this.now();
    return this.db.withConnection(async (conn) => {
      const result = await conn.transaction(async (tx): Promise<TriageResult & { maxSeq?: bigint | null }> => {
        await lockAlertEventWriters(tx);
        const [alert] = await tx.query<{ state: string }>(
          `SELECT state::text FROM "Alert" WHERE id = $1::uuid FOR UPDATE`,
          [alertId],
        );
        if (!alert) return { ok: false, reason: "NOT_FOUND", message: `No alert ${alertId}.` };
        if (alert.state === "RESOLVED") {
          return {
            ok: false,
            reason: "RESOLVED",
            message: "The alert is resolved: the device no longer breaks the rule.",
          };
        }
        const { sql, params } = update(now);
        await tx.query(`UPDATE "Alert" SET ${sql} WHERE id = $1::uuid`, [alertId, ...params]);
        const recorded = await recordAlertEvents(tx, [{ alertId, kind, actor, note: eventNote }], now);
        await tx.query(
          `INSERT INTO "AuditEntry" (id, actor, action, target, before, after, at)
           VALUES (gen_random_uuid(), $1, $2, $3, $4::jsonb, $5::jsonb, $6::timestamp(3))`,
          [
            actor,
            kind === "ACKNOWLEDGED" ? "alert.acknowledge" : "alert.snooze",
            alertId,
            JSON.stringify({ state: alert.state }),
            JSON.stringify({ state: kind, note: eventNote }),
            ts(now),
          ],
        );
        return { ok: true, deliveries: recorded.deliveries, maxSeq: recorded.maxSeq };
      });
      if (result.ok && result.maxSeq != null) this.publisher.publish("alerts", { upToSeq: result.maxSeq.toString() });
      if (result.ok) return { ok: true, deliveries: result.deliveries };
      return result;
    });
  }
}
