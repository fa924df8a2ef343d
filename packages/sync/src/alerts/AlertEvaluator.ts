import type { Database, SqlConnection } from "@enrollwatch/db";
import type { Logger } from "pino";
import { type EnrollmentStatus, type Problem, remediationMessageFor } from "../engine/vocabulary.ts";
import type { EventPublisher } from "../events/EnrollwatchTopics.ts";
import type { MessageLinks } from "../messages/MessageTemplates.ts";
import { ownerMessage } from "../messages/Outbox.ts";
import { dateFromEpoch, epoch, ts } from "../sql/SqlTime.ts";
import { lockAlertEventWriters, type NewAlertEvent, recordAlertEvents } from "./AlertEventLog.ts";
import { type AlertRuleNotice, renderAlertDigest, renderAlertsOpened } from "./AlertMessages.ts";
import { type LiveAlert, type PlannedDevice, type PlannedRule, planAlerts } from "./AlertPlanner.ts";
import type { AdminNotification, AlertSeverity } from "./AlertRuleSchema.ts";
import { DEFAULT_ALERT_RULES } from "./AlertRuleSchema.ts";

const DAY_MS = 86_400_000;
/** Any fixed number: instances seeding the default rules at once seed them once. */
const SEED_LOCK = 74_110_005;

export interface AlertEvaluatorOptions {
  db: Database;
  publisher: EventPublisher;
  logger: Logger;
  links: MessageLinks;
  /** The dashboard's address, for links in admin e-mails. */
  dashboardUrl: () => string;
  /** Told after a commit that queued deliveries or messages. */
  onQueued?: (what: { deliveries: number; messages: number }) => void;
  /** Re-evaluate this often between syncs, so grace periods end on time (0: only when asked). */
  intervalMs?: number;
  now?: () => Date;
}

export interface EvaluationResult {
  opened: number;
  resolved: number;
  reopened: number;
  deliveries: number;
  messages: number;
  ms: number;
}

interface RuleRow extends PlannedRule {
  name: string;
  adminNotification: AdminNotification;
  adminEmails: string[];
  remindEmployee: boolean;
}

/**
 * Opens, resolves and wakes alerts: after every sync commit, after a rule changes, and on a timer,
 * so a device that crosses a grace period between syncs opens its alert at the next evaluation.
 * Idempotent: the database allows one live alert per device and rule, so re-running (or two
 * instances running at once) opens nothing twice. Runs coalesce in this process: a request during
 * a run gets one more run after it, which sees everything the request wanted seen.
 */
export class AlertEvaluator {
  private readonly now: () => Date;
  private running: Promise<EvaluationResult> | undefined;
  private again: Promise<EvaluationResult> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AlertEvaluatorOptions) {
    this.now = options.now ?? (() => new Date());
  }

  start(): void {
    const every = this.options.intervalMs ?? 5 * 60_000;
    if (every <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.evaluate().catch((error: unknown) => this.options.logger.error({ err: error }, "alert evaluation failed"));
    }, every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.again?.catch(() => {});
    await this.running?.catch(() => {});
  }

  evaluate(): Promise<EvaluationResult> {
    if (!this.running) {
      this.running = this.evaluateOnce().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.again ??= this.running
      .catch(() => {})
      .then(() => {
        this.again = undefined;
        return this.evaluate();
      });
    return this.again;
  }

  /**
   * Writes the default rules once per database (first start). Deleting them later is respected:
   * the seeding is remembered as an audit entry, not inferred from an empty table.
   */
  async seedDefaultRules(): Promise<number> {
    return this.options.db.withConnection(async (conn) => {
      return await conn.transaction(async (tx) => {
        await tx.query("SELECT pg_advisory_xact_lock($1)", [SEED_LOCK]);
        const [seeded] = await tx.query(`SELECT 1 FROM "AuditEntry" WHERE action = 'alertRule.seedDefaults' LIMIT 1`);
        if (seeded) return 0;
        for (const rule of DEFAULT_ALERT_RULES) {
          await tx.query(
            `INSERT INTO "AlertRule" (id, name, enabled, severity, statuses, platforms, "gracePeriodHours",
               "adminNotification", "adminEmails", "remindEmployee", "notifyWebhooks", "createdAt", "updatedAt")
             VALUES (gen_random_uuid(), $1, $2, $3::"AlertSeverity", $4::text[]::"EnrollmentStatus"[], $5::text[], $6,
               $7::"AdminNotification", $8::text[], $9, $10, $11::timestamp(3), $11::timestamp(3))
             ON CONFLICT (name) DO NOTHING`,
            [
              rule.name,
              rule.enabled,
              rule.severity,
              rule.statuses,
              rule.platforms,
              rule.gracePeriodHours,
              rule.adminNotification,
              rule.adminEmails,
              rule.remindEmployee,
              rule.notifyWebhooks,
              ts(this.now()),
            ],
          );
        }
        await tx.query(
          `INSERT INTO "AuditEntry" (id, actor, action, after, at)
           VALUES (gen_random_uuid(), 'system', 'alertRule.seedDefaults', $1::jsonb, $2::timestamp(3))`,
          [JSON.stringify({ rules: DEFAULT_ALERT_RULES.map((r) => r.name) }), ts(this.now())],
        );
        return DEFAULT_ALERT_RULES.length;
      });
    });
  }

  private async evaluateOnce(): Promise<EvaluationResult> {
    const started = performance.now();
    const now = this.now();
    return this.options.db.withConnection(async (conn) => {
      const rules = await loadRules(conn);
      const statuses = [...new Set(rules.filter((r) => r.enabled).flatMap((r) => r.statuses))];
      const devices = statuses.length === 0 ? [] : await loadCandidates(conn, statuses);
      const live = await loadLiveAlerts(conn);
      const plan = planAlerts(rules, devices, live, now);
      const result: EvaluationResult = { opened: 0, resolved: 0, reopened: 0, deliveries: 0, messages: 0, ms: 0 };
      if (plan.open.length + plan.resolve.length + plan.reopen.length > 0) {
        const written = await conn.transaction(async (tx) => {
          await lockAlertEventWriters(tx);
          const opened = await tx.query<{ id: string; ruleId: string; deviceId: string }>(
            `INSERT INTO "Alert" (id, "ruleId", "deviceId", state, severity, status, "activeKey", "openedAt", "statusSince")
             SELECT gen_random_uuid(), o.rule_id, o.device_id, 'OPEN', o.severity::"AlertSeverity",
                    o.status::"EnrollmentStatus", o.rule_id::text || ':' || o.device_id::text, $6::timestamp(3), o.since
               FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamp(3)[])
                    AS o(rule_id, device_id, severity, status, since)
             ON CONFLICT ("activeKey") DO NOTHING
             RETURNING id, "ruleId", "deviceId"`,
            [
              plan.open.map((o) => o.ruleId),
              plan.open.map((o) => o.deviceId),
              plan.open.map((o) => o.severity),
              plan.open.map((o) => o.status),
              plan.open.map((o) => ts(o.statusSince)),
              ts(now),
            ],
          );
          const resolved = await tx.query<{ id: string }>(
            `UPDATE "Alert" SET state = 'RESOLVED', "resolvedAt" = $2::timestamp(3), "activeKey" = NULL, "snoozedUntil" = NULL
              WHERE id = ANY($1::uuid[]) AND "activeKey" IS NOT NULL RETURNING id`,
            [plan.resolve, ts(now)],
          );
          const reopened = await tx.query<{ id: string }>(
            `UPDATE "Alert" SET state = 'OPEN', "snoozedUntil" = NULL
              WHERE id = ANY($1::uuid[]) AND state = 'SNOOZED' AND "snoozedUntil" <= $2::timestamp(3) RETURNING id`,
            [plan.reopen, ts(now)],
          );
          const events: NewAlertEvent[] = [
            ...opened.map((a) => ({ alertId: a.id, kind: "OPENED" as const, actor: null, note: null })),
            ...resolved.map((a) => ({ alertId: a.id, kind: "RESOLVED" as const, actor: null, note: null })),
            ...reopened.map((a) => ({
              alertId: a.id,
              kind: "REOPENED" as const,
              actor: null,
              note: "The snooze ran out and the device still breaks the rule.",
            })),
          ];
          const recorded = await recordAlertEvents(tx, events, now);
          const messages = await this.queueOpenedMessages(tx, rules, opened, now);
          return { opened, resolved, reopened, recorded, messages };
        });
        result.opened = written.opened.length;
        result.resolved = written.resolved.length;
        result.reopened = written.reopened.length;
        result.deliveries = written.recorded.deliveries;
        result.messages = written.messages;
        // Only after the commit: subscribers read what the signal announces.
        if (written.recorded.maxSeq !== null) {
          this.options.publisher.publish("alerts", { upToSeq: written.recorded.maxSeq.toString() });
        }
      }
      result.messages += await this.queueDueDigest(conn, now);
      result.ms = Math.round(performance.now() - started);
      if (result.deliveries + result.messages > 0) {
        this.options.onQueued?.({ deliveries: result.deliveries, messages: result.messages });
      }
      if (result.opened + result.resolved + result.reopened > 0) {
        this.options.logger.info(result, "alerts evaluated");
      }
      return result;
    });
  }

  /** The rules' immediate admin e-mails (one per recipient per evaluation) and employee reminders. */
  private async queueOpenedMessages(
    tx: SqlConnection,
    rules: RuleRow[],
    opened: { id: string; ruleId: string; deviceId: string }[],
    now: Date,
  ): Promise<number> {
    if (opened.length === 0) return 0;
    const ruleById = new Map(rules.map((r) => [r.id, r]));
    const wanted = opened.filter((a) => {
      const rule = ruleById.get(a.ruleId);
      return rule && (rule.remindEmployee || rule.adminNotification === "IMMEDIATE");
    });
    if (wanted.length === 0) return 0;
    const devices = await loadMessageDevices(
      tx,
      wanted.map((a) => a.deviceId),
    );
    const outgoing: OutgoingMessage[] = [];
    const reminded: string[] = [];
    const notified: string[] = [];
    const byRecipient = new Map<string, AlertRuleNotice[]>();
    for (const alert of wanted) {
      const rule = ruleById.get(alert.ruleId);
      const device = devices.get(alert.deviceId);
      if (!rule || !device) continue;
      if (rule.adminNotification === "IMMEDIATE") {
        notified.push(alert.id);
        for (const email of rule.adminEmails) {
          const list = byRecipient.get(email) ?? [];
          list.push({ alertId: alert.id, ruleName: rule.name, severity: rule.severity, device, status: device.status });
          byRecipient.set(email, list);
        }
      }
      const kind = device.remediationKind ? remediationMessageFor(device.remediationKind, device.platform) : null;
      const reminder = rule.remindEmployee && kind ? ownerMessage(kind, device, this.options.links) : null;
      if (reminder) {
        outgoing.push({ ...reminder, alertId: alert.id });
        reminded.push(alert.id);
      }
    }
    for (const [recipient, notices] of byRecipient) {
      const message = renderAlertsOpened(notices, this.options.dashboardUrl());
      outgoing.push({
        recipient,
        employeeId: null,
        deviceId: notices.length === 1 ? (notices[0]?.device.id ?? null) : null,
        alertId: notices.length === 1 ? (notices[0]?.alertId ?? null) : null,
        kind: "ALERT_OPENED",
        subject: message.subject,
        body: message.text,
      });
    }
    await insertMessages(tx, outgoing, now);
    if (reminded.length > 0) {
      await tx.query(`UPDATE "Alert" SET "employeeRemindedAt" = $2::timestamp(3) WHERE id = ANY($1::uuid[])`, [
        reminded,
        ts(now),
      ]);
      // The device page's activity shows the reminder next to what admins sent by hand.
      const remindedDevices = wanted.filter((a) => reminded.includes(a.id));
      await tx.query(
        `INSERT INTO "AuditEntry" (id, actor, action, target, after, at)
         SELECT gen_random_uuid(), 'alert-rules', 'device.alertReminder', r.device_id, jsonb_build_object('alertId', r.alert_id), $3::timestamp(3)
           FROM unnest($1::text[], $2::text[]) AS r(device_id, alert_id)`,
        [remindedDevices.map((a) => a.deviceId), remindedDevices.map((a) => a.id), ts(now)],
      );
    }
    if (notified.length > 0) {
      await tx.query(`UPDATE "Alert" SET "adminNotifiedAt" = $2::timestamp(3) WHERE id = ANY($1::uuid[])`, [
        notified,
        ts(now),
      ]);
    }
    return outgoing.length;
  }

  /**
   * Daily digests: alerts of DAILY_DIGEST rules not yet told, still live, go out together when the
   * last digest is a day old (or there was none), one e-mail per recipient.
   */
  private async queueDueDigest(conn: SqlConnection, now: Date): Promise<number> {
    const pending = await conn.query<{
      id: string;
      severity: AlertSeverity;
      status: EnrollmentStatus;
      ruleName: string;
      adminEmails: string[];
      deviceId: string;
      deviceName: string;
      serial: string | null;
      platform: string;
      openedAt: string;
    }>(
      `SELECT a.id, a.severity::text, a.status::text, r.name AS "ruleName", r."adminEmails", d.id AS "deviceId",
              d.name AS "deviceName", d.serial, d.platform, ${epoch('a."openedAt"')} AS "openedAt"
         FROM "Alert" a JOIN "AlertRule" r ON r.id = a."ruleId" JOIN "Device" d ON d.id = a."deviceId"
        WHERE a."adminNotifiedAt" IS NULL AND a."activeKey" IS NOT NULL AND r."adminNotification" = 'DAILY_DIGEST'
          AND cardinality(r."adminEmails") > 0
        ORDER BY a.severity DESC, a."openedAt"`,
    );
    if (pending.length === 0) return 0;
    const [last] = await conn.query<{ at: string | null }>(
      `SELECT ${epoch('max("createdAt")')} AS at FROM "OutboundMessage" WHERE kind = 'ALERT_DIGEST'`,
    );
    const lastAt = dateFromEpoch(last?.at ?? null);
    if (lastAt && now.getTime() - lastAt.getTime() < DAY_MS) return 0;
    const byRecipient = new Map<string, AlertRuleNotice[]>();
    for (const row of pending) {
      for (const email of row.adminEmails) {
        const list = byRecipient.get(email) ?? [];
        list.push({
          alertId: row.id,
          ruleName: row.ruleName,
          severity: row.severity,
          status: row.status,
          openedAt: dateFromEpoch(row.openedAt) ?? now,
          device: { id: row.deviceId, name: row.deviceName, serial: row.serial, platform: row.platform },
        });
        byRecipient.set(email, list);
      }
    }
    const outgoing: OutgoingMessage[] = [...byRecipient].map(([recipient, notices]) => {
      const message = renderAlertDigest(notices, this.options.dashboardUrl(), now);
      return {
        recipient,
        employeeId: null,
        deviceId: null,
        alertId: null,
        kind: "ALERT_DIGEST",
        subject: message.subject,
        body: message.text,
      };
    });
    await conn.transaction(async (tx) => {
      await insertMessages(tx, outgoing, now);
      await tx.query(`UPDATE "Alert" SET "adminNotifiedAt" = $2::timestamp(3) WHERE id = ANY($1::uuid[])`, [
        pending.map((p) => p.id),
        ts(now),
      ]);
    });
    return outgoing.length;
  }
}

interface OutgoingMessage {
  recipient: string;
  employeeId: string | null;
  deviceId: string | null;
  alertId: string | null;
  kind: string;
  subject: string;
  body: string;
}

async function insertMessages(tx: SqlConnection, messages: OutgoingMessage[], now: Date): Promise<void> {
  if (messages.length === 0) return;
  await tx.query(
    `INSERT INTO "OutboundMessage" (id, recipient, "employeeId", "deviceId", "alertId", kind, subject, body, "nextAttemptAt", "createdAt")
     SELECT gen_random_uuid(), m.recipient, m.employee_id, m.device_id, m.alert_id, m.kind::"MessageKind", m.subject, m.body,
            $8::timestamp(3), $8::timestamp(3)
       FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[])
            AS m(recipient, employee_id, device_id, alert_id, kind, subject, body)`,
    [
      messages.map((m) => m.recipient),
      messages.map((m) => m.employeeId),
      messages.map((m) => m.deviceId),
      messages.map((m) => m.alertId),
      messages.map((m) => m.kind),
      messages.map((m) => m.subject),
      messages.map((m) => m.body),
      ts(now),
    ],
  );
}

async function loadRules(conn: SqlConnection): Promise<RuleRow[]> {
  return conn.query<RuleRow & Record<string, unknown>>(
    `SELECT id, name, enabled, severity::text, statuses::text[] AS statuses, platforms, COALESCE(teams, '{}') AS teams, "includeNoTeam", "gracePeriodHours",
            "adminNotification"::text AS "adminNotification", "adminEmails", "remindEmployee"
       FROM "AlertRule"`,
  );
}

/** Only devices in a status some enabled rule names: usually a small part of the fleet. */
async function loadCandidates(conn: SqlConnection, statuses: EnrollmentStatus[]): Promise<PlannedDevice[]> {
  const [row] = await conn.query<{ devices: string | null }>(
    // One JSON value instead of a row set: PGlite decodes many rows slowly (see DeviceStore).
    `SELECT json_agg(json_build_array(id, status, platform, ${epoch('"statusSince"')}, "teamName"))::text AS devices
       FROM "Device" WHERE status = ANY($1::text[]::"EnrollmentStatus"[]) AND "missingFromFleetAt" IS NULL`,
    [statuses],
  );
  if (!row?.devices) return [];
  const tuples = JSON.parse(row.devices) as [string, EnrollmentStatus, string, number, string | null][];
  return tuples.map(([id, status, platform, since, teamName]) => ({
    id,
    status,
    platform,
    teamName,
    statusSince: new Date(since),
  }));
}

async function loadLiveAlerts(conn: SqlConnection): Promise<LiveAlert[]> {
  const [row] = await conn.query<{ alerts: string | null }>(
    `SELECT json_agg(json_build_array(id, "ruleId", "deviceId", state, ${epoch('"snoozedUntil"')}))::text AS alerts
       FROM "Alert" WHERE "activeKey" IS NOT NULL`,
  );
  if (!row?.alerts) return [];
  const tuples = JSON.parse(row.alerts) as [string, string, string, LiveAlert["state"], number | null][];
  return tuples.map(([id, ruleId, deviceId, state, snoozedUntil]) => ({
    id,
    ruleId,
    deviceId,
    state,
    snoozedUntil: snoozedUntil === null ? null : new Date(snoozedUntil),
  }));
}

interface MessageDevice {
  id: string;
  name: string;
  serial: string | null;
  platform: string;
  status: EnrollmentStatus;
  remediationKind: Problem["remediation"]["kind"] | null;
  owner: { id: string; email: string; name: string | null } | null;
}

async function loadMessageDevices(tx: SqlConnection, ids: string[]): Promise<Map<string, MessageDevice>> {
  const rows = await tx.query<{
    id: string;
    name: string;
    serial: string | null;
    platform: string;
    status: EnrollmentStatus;
    problems: Problem[];
    ownerId: string | null;
    email: string | null;
    ownerName: string | null;
  }>(
    `SELECT d.id, d.name, d.serial, d.platform, d.status::text, d.problems, e.id AS "ownerId", e.email, e.name AS "ownerName"
       FROM "Device" d LEFT JOIN "Employee" e ON e.id = d."ownerId" WHERE d.id = ANY($1::uuid[])`,
    [[...new Set(ids)]],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        name: r.name,
        serial: r.serial,
        platform: r.platform,
        status: r.status,
        remediationKind: r.problems[0]?.remediation.kind ?? null,
        owner: r.ownerId && r.email ? { id: r.ownerId, email: r.email, name: r.ownerName } : null,
      },
    ]),
  );
}
