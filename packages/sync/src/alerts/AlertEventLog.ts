import { randomUUID } from "node:crypto";
import type { SqlConnection } from "@enrollwatch/db";
import { dateFromEpoch, epoch, ts } from "../sql/SqlTime.ts";

/**
 * Like status events, alert events are read by subscribers "after seq N": every transaction that
 * inserts AlertEvent rows takes this lock first, so commit order equals seq order and a resumed
 * subscriber never misses a smaller seq that committed late.
 */
const ALERT_EVENT_WRITER_LOCK = 74_110_004;

export type AlertEventKind = "OPENED" | "ACKNOWLEDGED" | "SNOOZED" | "REOPENED" | "RESOLVED";

/** The events webhooks can subscribe to. */
export const WEBHOOK_EVENT_KINDS = ["OPENED", "ACKNOWLEDGED", "RESOLVED"] as const;
export type WebhookEventKind = (typeof WEBHOOK_EVENT_KINDS)[number];

export interface NewAlertEvent {
  alertId: string;
  kind: AlertEventKind;
  actor: string | null;
  note: string | null;
}

export interface RecordedAlertEvents {
  /** The highest seq written, for the subscribers' signal; null when nothing was written. */
  maxSeq: bigint | null;
  deliveries: number;
}

export async function lockAlertEventWriters(tx: SqlConnection): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock($1)", [ALERT_EVENT_WRITER_LOCK]);
}

/**
 * Inserts the events and, in the same transaction, one webhook delivery per event and enabled
 * webhook that asked for its kind (when the alert's rule posts to webhooks): a committed event
 * always has its deliveries queued, and a rolled-back one never posts. The caller holds the lock.
 */
export async function recordAlertEvents(
  tx: SqlConnection,
  events: readonly NewAlertEvent[],
  at: Date,
): Promise<RecordedAlertEvents> {
  if (events.length === 0) return { maxSeq: null, deliveries: 0 };
  const inserted = await tx.query<{ seq: string; alertId: string; kind: AlertEventKind }>(
    `INSERT INTO "AlertEvent" ("alertId", kind, actor, note, at)
     SELECT e.alert_id, e.kind::"AlertEventKind", e.actor, e.note, $5::timestamp(3)
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS e(alert_id, kind, actor, note, n)
      ORDER BY e.n
     RETURNING seq::text, "alertId", kind`,
    [
      events.map((e) => e.alertId),
      events.map((e) => e.kind),
      events.map((e) => e.actor),
      events.map((e) => e.note),
      ts(at),
    ],
  );
  let maxSeq: bigint | null = null;
  for (const row of inserted) {
    const seq = BigInt(row.seq);
    if (maxSeq === null || seq > maxSeq) maxSeq = seq;
  }
  const webhooks = await tx.query<{ id: string; events: string[] }>(
    `SELECT id, events::text[] AS events FROM "Webhook" WHERE enabled`,
  );
  const postable = inserted.filter((e) => (WEBHOOK_EVENT_KINDS as readonly string[]).includes(e.kind));
  if (webhooks.length === 0 || postable.length === 0) return { maxSeq, deliveries: 0 };

  const details = await loadAlertPayloads(
    tx,
    postable.map((e) => e.alertId),
  );
  const ids: string[] = [];
  const webhookIds: string[] = [];
  const types: string[] = [];
  const seqs: string[] = [];
  const bodies: string[] = [];
  const byId = new Map(events.map((e) => [e.alertId + e.kind, e]));
  for (const event of postable) {
    const alert = details.get(event.alertId);
    if (!alert?.notifyWebhooks) continue;
    const source = byId.get(event.alertId + event.kind);
    for (const webhook of webhooks) {
      if (!webhook.events.includes(event.kind)) continue;
      const id = randomUUID();
      const type = `alert.${event.kind.toLowerCase()}`;
      ids.push(id);
      webhookIds.push(webhook.id);
      types.push(type);
      seqs.push(event.seq);
      bodies.push(
        JSON.stringify({
          id,
          type,
          createdAt: at.toISOString(),
          data: {
            event: { seq: event.seq, kind: event.kind, actor: source?.actor ?? null, note: source?.note ?? null },
            alert: alert.alert,
            rule: alert.rule,
            device: alert.device,
          },
        }),
      );
    }
  }
  if (ids.length > 0) {
    await tx.query(
      `INSERT INTO "WebhookDelivery" (id, "webhookId", "eventType", "alertEventSeq", body, "nextAttemptAt", "createdAt")
       SELECT d.id, d.webhook_id, d.type, d.seq, d.body, $6::timestamp(3), $6::timestamp(3)
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::text[]) AS d(id, webhook_id, type, seq, body)`,
      [ids, webhookIds, types, seqs, bodies, ts(at)],
    );
  }
  return { maxSeq, deliveries: ids.length };
}

interface AlertPayload {
  notifyWebhooks: boolean;
  alert: Record<string, unknown>;
  rule: { id: string; name: string };
  device: Record<string, unknown>;
}

async function loadAlertPayloads(tx: SqlConnection, alertIds: string[]): Promise<Map<string, AlertPayload>> {
  const rows = await tx.query<{
    id: string;
    state: string;
    severity: string;
    status: string;
    openedAt: string;
    statusSince: string;
    acknowledgedAt: string | null;
    acknowledgedBy: string | null;
    snoozedUntil: string | null;
    resolvedAt: string | null;
    ruleId: string;
    ruleName: string;
    notifyWebhooks: boolean;
    deviceId: string;
    fleetHostId: number;
    deviceName: string;
    serial: string | null;
    platform: string;
    ownerEmail: string | null;
  }>(
    `SELECT a.id, a.state::text, a.severity::text, a.status::text, ${epoch('a."openedAt"')} AS "openedAt",
            ${epoch('a."statusSince"')} AS "statusSince", ${epoch('a."acknowledgedAt"')} AS "acknowledgedAt",
            a."acknowledgedBy", ${epoch('a."snoozedUntil"')} AS "snoozedUntil", ${epoch('a."resolvedAt"')} AS "resolvedAt", r.id AS "ruleId", r.name AS "ruleName",
            r."notifyWebhooks", d.id AS "deviceId", d."fleetHostId", d.name AS "deviceName", d.serial, d.platform,
            e.email AS "ownerEmail"
       FROM "Alert" a JOIN "AlertRule" r ON r.id = a."ruleId" JOIN "Device" d ON d.id = a."deviceId"
       LEFT JOIN "Employee" e ON e.id = d."ownerId"
      WHERE a.id = ANY($1::uuid[])`,
    [[...new Set(alertIds)]],
  );
  const iso = (d: string | null) => dateFromEpoch(d)?.toISOString() ?? null;
  return new Map(
    rows.map((r) => [
      r.id,
      {
        notifyWebhooks: r.notifyWebhooks,
        alert: {
          id: r.id,
          state: r.state,
          severity: r.severity,
          status: r.status,
          openedAt: iso(r.openedAt),
          statusSince: iso(r.statusSince),
          acknowledgedAt: iso(r.acknowledgedAt),
          acknowledgedBy: r.acknowledgedBy,
          snoozedUntil: iso(r.snoozedUntil),
          resolvedAt: iso(r.resolvedAt),
        },
        rule: { id: r.ruleId, name: r.ruleName },
        device: {
          id: r.deviceId,
          fleetHostId: r.fleetHostId,
          name: r.deviceName,
          serial: r.serial,
          platform: r.platform,
          ownerEmail: r.ownerEmail,
        },
      },
    ]),
  );
}
