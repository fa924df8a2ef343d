import { createHash, randomUUID } from "node:crypto";
import type { Prisma, PrismaClient } from "@enrollwatch/db";
import {
  type EnrollmentStatus,
  MESSAGE_KINDS,
  type MessageKind,
  messageMismatch,
  REMEDIATION_KINDS,
  type RemediationKind,
  remediationMessageFor,
} from "../engine/vocabulary.ts";
import { ts } from "../sql/SqlTime.ts";
import type { MessageLinks } from "./MessageTemplates.ts";
import { type OutboxDevice, ownerMessage } from "./Outbox.ts";

/**
 * The most devices one bulk send may message. Past it a filter is more likely a mistake (the whole
 * fleet) than a campaign, and the admin narrows it (by status, team, platform or search) and sends
 * again.
 */
export const BULK_REMEDIATION_MAX_DEVICES = 2_000;

/** How far back `skipIfSentWithinHours` may look (30 days). */
export const BULK_REMEDIATION_MAX_SKIP_HOURS = 720;

/**
 * The same send (the same messages to the same devices) again within this time is refused as a
 * repeat: a retried request or a second admin, not an intent, when the skip is off.
 */
export const BULK_REMEDIATION_REPEAT_MS = 10 * 60_000;

export interface BulkCandidate extends OutboxDevice {
  status: EnrollmentStatus;
  /** The stored problems (Device.problems JSON); only each one's status and remediation kind are read. */
  problems: unknown;
}

/** Why a matched device gets no message. */
export type BulkSkipReason = "ENROLLED" | "NO_MESSAGE" | "NO_OWNER" | "RECENTLY_SENT";

export interface BulkPlan {
  /** Devices the filter matched. */
  devices: number;
  send: { device: BulkCandidate; kind: MessageKind }[];
  skipped: Record<BulkSkipReason, number>;
}

function remediationKindOf(problem: unknown): { status: unknown; kind: RemediationKind } | null {
  if (typeof problem !== "object" || problem === null) return null;
  const { status, remediation } = problem as { status?: unknown; remediation?: { kind?: unknown } };
  const kind = remediation?.kind;
  return typeof kind === "string" && (REMEDIATION_KINDS as string[]).includes(kind)
    ? { status, kind: kind as RemediationKind }
    : null;
}

/**
 * The message the article's remediation for the device's status sends its owner, or null when
 * there is none: an enrolled device, or a remedy only an admin can apply (renewing the APNs
 * certificate in FleetDM).
 */
export function recommendedMessage(status: EnrollmentStatus, problems: unknown, platform: string): MessageKind | null {
  if (status === "ENROLLED" || !Array.isArray(problems)) return null;
  const remedies = problems.map(remediationKindOf).filter((r) => r !== null);
  const main = remedies.find((r) => r.status === status) ?? remedies[0];
  return main ? remediationMessageFor(main.kind, platform) : null;
}

/** The key of a (device, kind) pair in `recentlySent`. */
export function sentKey(deviceId: string, kind: MessageKind): string {
  return `${deviceId}:${kind}`;
}

/**
 * Who gets which message: with `kind` null each device gets its own recommended message. Enrolled
 * devices have nothing to fix and are never messaged, whatever the kind; a device whose owner is
 * unknown cannot be; one whose owner already got the same message about it recently is not again
 * (a second click, or a campaign re-run the next day that should only reach the new cases).
 */
export function planBulkRemediation(
  candidates: readonly BulkCandidate[],
  kind: MessageKind | null,
  recentlySent: ReadonlySet<string>,
): BulkPlan {
  const plan: BulkPlan = {
    devices: candidates.length,
    send: [],
    skipped: { ENROLLED: 0, NO_MESSAGE: 0, NO_OWNER: 0, RECENTLY_SENT: 0 },
  };
  for (const device of candidates) {
    if (device.status === "ENROLLED") {
      plan.skipped.ENROLLED++;
      continue;
    }
    const message = kind ?? recommendedMessage(device.status, device.problems, device.platform);
    // A chosen message that means nothing for the device (an agent link to an iPhone) is not sent.
    if (!message || messageMismatch(message, device.platform)) plan.skipped.NO_MESSAGE++;
    else if (!device.owner) plan.skipped.NO_OWNER++;
    else if (recentlySent.has(sentKey(device.id, message))) plan.skipped.RECENTLY_SENT++;
    else plan.send.push({ device, kind: message });
  }
  return plan;
}

export interface BulkRemediationRequest {
  /** The devices, as a Prisma condition (the API's DeviceFilter, translated). */
  where: Prisma.DeviceWhereInput;
  /** null: each device's recommended message. */
  kind: MessageKind | null;
  /** A device whose owner got the same message about it (not FAILED) this recently is skipped; 0 skips none. */
  skipIfSentWithinHours: number;
  now: Date;
}

/** What a plan comes to, without the rows: what the admin confirms, and what a send reports. */
export interface BulkPlanSummary {
  /**
   * Which messages go to which devices, as a hash: the send is made only if the plan still has it,
   * so a change that keeps the count (one device fixed, another broken) is caught too.
   */
  fingerprint: string;
  devices: number;
  /** Over BULK_REMEDIATION_MAX_DEVICES: nothing can be sent until the filter is narrowed. */
  overLimit: boolean;
  messages: number;
  /** Distinct people the messages go to. */
  recipients: number;
  byKind: { kind: MessageKind; count: number }[];
  skipped: Record<BulkSkipReason, number>;
  /** The first messages by device name: whom the admin is about to write to. */
  sample: {
    deviceId: string;
    deviceName: string;
    recipient: string;
    recipientName: string | null;
    kind: MessageKind;
  }[];
}

/** How many messages a plan shows before "and N more". */
export const BULK_PLAN_SAMPLE_SIZE = 10;

function summarise(plan: BulkPlan, devices: number): BulkPlanSummary {
  const byKind = new Map<MessageKind, number>();
  for (const { kind } of plan.send) byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  const pairs = plan.send.map(({ device, kind }) => `${device.id}:${kind}`).sort();
  return {
    fingerprint: createHash("sha256").update(pairs.join("\n")).digest("base64url").slice(0, 22),
    devices,
    overLimit: devices > BULK_REMEDIATION_MAX_DEVICES,
    messages: plan.send.length,
    recipients: new Set(plan.send.map(({ device }) => device.owner?.id)).size,
    byKind: [...byKind].map(([kind, count]) => ({ kind, count })).sort((a, b) => a.kind.localeCompare(b.kind)),
    skipped: plan.skipped,
    sample: [...plan.send]
      .sort((a, b) => a.device.name.localeCompare(b.device.name) || a.device.id.localeCompare(b.device.id))
      .slice(0, BULK_PLAN_SAMPLE_SIZE)
      .map(({ device, kind }) => ({
        deviceId: device.id,
        deviceName: device.name,
        recipient: device.owner?.email ?? "",
        recipientName: device.owner?.name ?? null,
        kind,
      })),
  };
}

function overLimitSummary(devices: number): BulkPlanSummary {
  return {
    fingerprint: "",
    devices,
    overLimit: true,
    messages: 0,
    recipients: 0,
    byKind: [],
    skipped: { ENROLLED: 0, NO_MESSAGE: 0, NO_OWNER: 0, RECENTLY_SENT: 0 },
    sample: [],
  };
}

/** The plan from the database as it is now; null candidates when the filter matches too many. */
async function loadPlan(
  tx: Prisma.TransactionClient,
  request: BulkRemediationRequest,
): Promise<{ plan: BulkPlan | null; devices: number }> {
  // Counted first: a filter over the limit (the whole fleet, a large status) answers from an index
  // instead of reading 2,001 devices with their problems (70-130 ms on 100,000 devices).
  const matching = await tx.device.count({ where: request.where });
  if (matching > BULK_REMEDIATION_MAX_DEVICES) return { plan: null, devices: matching };
  const candidates = await tx.device.findMany({
    where: request.where,
    select: {
      id: true,
      name: true,
      serial: true,
      platform: true,
      status: true,
      problems: true,
      owner: { select: { id: true, email: true, name: true } },
    },
    orderBy: { id: "asc" },
    take: BULK_REMEDIATION_MAX_DEVICES + 1,
  });
  // Devices may have joined between the count and the read (PostgreSQL, read committed).
  if (candidates.length > BULK_REMEDIATION_MAX_DEVICES) {
    return { plan: null, devices: await tx.device.count({ where: request.where }) };
  }
  const recentlySent = new Set<string>();
  if (request.skipIfSentWithinHours > 0 && candidates.length > 0) {
    const since = new Date(request.now.getTime() - request.skipIfSentWithinHours * 3_600_000);
    const sent = await tx.outboundMessage.findMany({
      where: {
        deviceId: { in: candidates.map((c) => c.id) },
        createdAt: { gte: since },
        state: { not: "FAILED" },
        kind: { in: [...MESSAGE_KINDS] },
      },
      select: { deviceId: true, kind: true },
    });
    for (const message of sent) {
      if (message.deviceId) recentlySent.add(sentKey(message.deviceId, message.kind as MessageKind));
    }
  }
  return { plan: planBulkRemediation(candidates, request.kind, recentlySent), devices: candidates.length };
}

/** What a bulk send would do now, written nowhere. */
export async function previewBulkRemediation(
  prisma: PrismaClient,
  request: BulkRemediationRequest,
): Promise<BulkPlanSummary> {
  const { plan, devices } = await loadPlan(prisma, request);
  return plan ? summarise(plan, devices) : overLimitSummary(devices);
}

export type BulkRemediationResult =
  | { ok: true; summary: BulkPlanSummary; auditEntryId: string }
  | { ok: false; reason: "OVER_LIMIT" | "PLAN_CHANGED" | "REPEATED"; message: string; summary: BulkPlanSummary };

/**
 * Bulk sends are serialised, so two admins (or one double click) sending the same campaign at once
 * cannot both find "not sent recently" and message everyone twice.
 */
const BULK_REMEDIATION_LOCK = 74_110_010;

/**
 * Queues the plan's messages, with one audit entry per device (its activity shows the message) and
 * one for the whole send, all in one transaction. `expectedMessages` is the count the admin
 * confirmed and `expectedFingerprint` (when given) the plan's fingerprint: when the plan now differs
 * (a device was fixed, someone else sent), nothing is sent and the new plan is returned to confirm
 * again. The same send made in the last BULK_REMEDIATION_REPEAT_MS is refused as a repeat.
 */
export async function sendBulkRemediation(
  prisma: PrismaClient,
  request: BulkRemediationRequest & {
    expectedMessages: number;
    expectedFingerprint?: string | null;
    actor: string;
    links: MessageLinks;
    /** What the admin filtered by, as they said it: kept in the audit entry. */
    filter: unknown;
  },
): Promise<BulkRemediationResult> {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BULK_REMEDIATION_LOCK})`;
      const { plan, devices } = await loadPlan(tx, request);
      if (!plan) {
        return {
          ok: false,
          reason: "OVER_LIMIT",
          message: `The filter matches ${devices} devices; one send may message at most ${BULK_REMEDIATION_MAX_DEVICES}. Narrow the filter.`,
          summary: overLimitSummary(devices),
        };
      }
      const summary = summarise(plan, devices);
      const changed =
        summary.messages !== request.expectedMessages ||
        (request.expectedFingerprint != null && request.expectedFingerprint !== summary.fingerprint);
      if (changed) {
        return {
          ok: false,
          reason: "PLAN_CHANGED",
          message:
            summary.messages === request.expectedMessages
              ? `The send now goes to other devices than the plan you confirmed (the devices changed since you looked). Nothing was sent; check the new figures and confirm again.`
              : `The send now comes to ${summary.messages} ${summary.messages === 1 ? "message" : "messages"}, not ${request.expectedMessages}: the devices changed since you looked${summary.skipped.RECENTLY_SENT > 0 ? ` (${summary.skipped.RECENTLY_SENT} of the devices it matches are left out as messaged in the last ${request.skipIfSentWithinHours} hours)` : ""}. Nothing was sent; check the new figures and confirm again.`,
          summary,
        };
      }
      if (summary.messages > 0) {
        const repeat = await tx.auditEntry.findFirst({
          where: {
            action: "devices.sendRemediation",
            at: { gte: new Date(request.now.getTime() - BULK_REMEDIATION_REPEAT_MS) },
            after: { path: ["fingerprint"], equals: summary.fingerprint },
          },
          orderBy: { at: "desc" },
        });
        if (repeat) {
          return {
            ok: false,
            reason: "REPEATED",
            message: `These ${summary.messages} messages were sent at ${repeat.at.toISOString()} by ${repeat.actor}. Nothing was sent again.`,
            summary,
          };
        }
      }
      const auditEntryId = randomUUID();
      const messages = plan.send.map(({ device, kind }) => {
        // planBulkRemediation only sends to devices with an owner, so this is never null.
        const data = ownerMessage(kind, device, request.links);
        if (!data) throw new Error(`device ${device.id} has no owner`);
        return { id: randomUUID(), ...data };
      });
      await tx.auditEntry.create({
        data: {
          id: auditEntryId,
          actor: request.actor,
          action: "devices.sendRemediation",
          at: request.now,
          after: {
            fingerprint: summary.fingerprint,
            filter: (request.filter ?? null) as Prisma.InputJsonValue,
            kind: request.kind ?? "RECOMMENDED",
            skipIfSentWithinHours: request.skipIfSentWithinHours,
            devices: summary.devices,
            messages: summary.messages,
            recipients: summary.recipients,
            byKind: summary.byKind,
            skipped: summary.skipped,
          },
        },
      });
      if (messages.length > 0) await insertMessagesAndAudit(tx, messages, request.actor, auditEntryId, request.now);
      return { ok: true, summary, auditEntryId };
    },
    // Two thousand messages and their audit entries take well under a second; the default 5 s
    // leaves little room on a loaded embedded database.
    { timeout: 30_000, maxWait: 30_000 },
  );
}

type QueuedMessage = NonNullable<ReturnType<typeof ownerMessage>> & { id: string };

/**
 * The messages and their per-device audit entries, as two statements over arrays: Prisma's
 * createMany took ~0.6 s for 2,000 messages and as long again for their entries (its query building
 * per row), holding the embedded database's only connection; unnest takes a few milliseconds.
 */
async function insertMessagesAndAudit(
  tx: Prisma.TransactionClient,
  messages: QueuedMessage[],
  actor: string,
  bulkSend: string,
  now: Date,
): Promise<void> {
  const at = ts(now);
  await tx.$executeRawUnsafe(
    `INSERT INTO "OutboundMessage" (id, recipient, "employeeId", "deviceId", kind, subject, body, "nextAttemptAt", "createdAt")
     SELECT m.id, m.recipient, m.employee_id, m.device_id, m.kind::"MessageKind", m.subject, m.body,
            $8::timestamp(3), $8::timestamp(3)
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[])
            AS m(id, recipient, employee_id, device_id, kind, subject, body)`,
    messages.map((m) => m.id),
    messages.map((m) => m.recipient),
    messages.map((m) => m.employeeId),
    messages.map((m) => m.deviceId),
    messages.map((m) => m.kind),
    messages.map((m) => m.subject),
    messages.map((m) => m.body),
    at,
  );
  await tx.$executeRawUnsafe(
    `INSERT INTO "AuditEntry" (id, actor, action, target, after, at)
     SELECT gen_random_uuid(), $1, 'device.sendRemediation', e.target, e.after::jsonb, $4::timestamp(3)
       FROM unnest($2::text[], $3::text[]) AS e(target, after)`,
    actor,
    messages.map((m) => m.deviceId),
    messages.map((m) => JSON.stringify({ kind: m.kind, messageId: m.id, recipient: m.recipient, bulkSend })),
    at,
  );
}
