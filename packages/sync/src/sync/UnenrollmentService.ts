import type { Database, Prisma } from "@enrollwatch/db";
import { causesFor, type EnrollmentStatus, type Problem, remediationFor } from "../engine/vocabulary.ts";
import type { EventPublisher } from "../events/EnrollwatchTopics.ts";
import { type FleetClient, FleetFetchError } from "../fleet/FleetClient.ts";
import type { MessageLinks } from "../messages/MessageTemplates.ts";
import { enqueueMessage } from "../messages/Outbox.ts";
import { lockStatusEventWritersWithPrisma } from "./EventOrdering.ts";

export type UnenrolledBy = "AUTO_UNENROLLMENT" | "ADMIN";

export interface UnenrollOptions {
  by: UnenrolledBy;
  actor: string;
  syncRunId?: string;
  resendInvitation: boolean;
  /** Skip devices whose status is no longer this one (came back since they were picked). */
  onlyIfStatus?: "OFFLINE";
}

export type ConfirmUnenrollmentResult =
  | { ok: true; outcome: UnenrollOutcome }
  | { ok: false; reason: "SYNC_RUN_NOT_FOUND" | "NOTHING_TO_CONFIRM"; message: string };

export interface UnenrollOutcome {
  unenrolled: number;
  /** Devices skipped because they were already unenrolled or are unknown. */
  skipped: number;
  failures: { deviceId: string; error: string }[];
  /** Highest StatusEvent seq written. */
  maxSeq: bigint | null;
}

export interface UnenrollmentServiceOptions {
  db: Database;
  fleet: FleetClient;
  publisher: EventPublisher;
  links: MessageLinks;
  now?: () => Date;
}

/**
 * Purges devices from Fleet and records them UNENROLLED, each with its StatusEvent and audit entry
 * (and, when asked, a new enrolment invitation for the owner) in one transaction per device, after
 * Fleet confirmed the purge: a device is never shown unenrolled while Fleet still manages it.
 */
export class UnenrollmentService {
  private readonly now: () => Date;

  constructor(private readonly options: UnenrollmentServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * An admin confirms the auto-unenrolment a sync held back over the safety share. Claimed with a
   * conditional update, so two admins confirming at once purge the devices once.
   */
  async confirmPending(syncRunId: string, actor: string): Promise<ConfirmUnenrollmentResult> {
    const { prisma } = this.options.db;
    const run = await prisma.syncRun.findUnique({ where: { id: syncRunId } });
    if (!run) return { ok: false, reason: "SYNC_RUN_NOT_FOUND", message: `No sync run ${syncRunId}.` };
    const claimed = await prisma.syncRun.updateMany({
      where: { id: syncRunId, state: "AWAITING_CONFIRMATION", unenrollConfirmedAt: null },
      data: { unenrollConfirmedAt: this.now(), unenrollConfirmedBy: actor },
    });
    if (claimed.count !== 1) {
      return {
        ok: false,
        reason: "NOTHING_TO_CONFIRM",
        message: `Sync run ${syncRunId} has no auto-unenrolment waiting for confirmation.`,
      };
    }
    const settings = await prisma.settings.findUnique({ where: { id: 1 } });
    const outcome = await this.unenroll(run.pendingUnenrollDeviceIds, {
      by: "AUTO_UNENROLLMENT",
      actor,
      syncRunId,
      resendInvitation: settings?.resendInvitationOnUnenroll ?? false,
      onlyIfStatus: "OFFLINE",
    });
    await prisma.syncRun.update({
      where: { id: syncRunId },
      data: { state: "SUCCEEDED", transitions: { increment: outcome.unenrolled } },
    });
    this.options.publisher.publish("syncRuns", { id: syncRunId });
    return { ok: true, outcome };
  }

  async unenroll(deviceIds: string[], options: UnenrollOptions): Promise<UnenrollOutcome> {
    const { db, fleet, publisher, links } = this.options;
    const outcome: UnenrollOutcome = { unenrolled: 0, skipped: 0, failures: [], maxSeq: null };
    const devices = await db.prisma.device.findMany({
      where: { id: { in: deviceIds } },
      include: { owner: true },
    });
    const byId = new Map(devices.map((d) => [d.id, d]));
    for (const deviceId of deviceIds) {
      const device = byId.get(deviceId);
      if (
        !device ||
        device.status === "UNENROLLED" ||
        (options.onlyIfStatus !== undefined && device.status !== options.onlyIfStatus)
      ) {
        outcome.skipped++;
        continue;
      }
      try {
        await fleet.deleteHost(device.fleetHostId);
      } catch (error) {
        // Already gone from Fleet is what we wanted.
        if (!(error instanceof FleetFetchError && error.kind === "not_found")) {
          outcome.failures.push({ deviceId, error: error instanceof Error ? error.message : String(error) });
          continue;
        }
      }
      const now = this.now();
      const problem: Problem = {
        status: "UNENROLLED",
        causes: causesFor(
          "UNENROLLED",
          new Set([options.by === "ADMIN" ? "PURGED_BY_ADMIN" : "PURGED_BY_AUTO_UNENROLLMENT"]),
        ),
        remediation: remediationFor("RESEND_INVITATION"),
      };
      const seq = await db.prisma.$transaction(async (tx) => {
        // The device row first, the event-writer lock second, as every event writer does: a sync
        // holds the rows it wrote until it commits and takes the event lock last (DeviceWriteTransaction).
        // Locked and read here, the status is the one this event leaves, even if a sync wrote it meanwhile.
        const [locked] = await tx.$queryRaw<{ status: EnrollmentStatus }[]>`
          SELECT status::text AS status FROM "Device" WHERE id = ${device.id}::uuid FOR UPDATE`;
        const from = locked?.status ?? device.status;
        await tx.device.update({
          where: { id: device.id },
          data: {
            status: "UNENROLLED",
            statusSince: now,
            purgedAt: now,
            purgedBy: options.by,
            problems: [problem] as unknown as Prisma.InputJsonValue,
            snapshotHash: null,
          },
        });
        await lockStatusEventWritersWithPrisma(tx);
        const event = await tx.statusEvent.create({
          data: {
            deviceId: device.id,
            from,
            to: "UNENROLLED",
            reasons: [problem] as unknown as Prisma.InputJsonValue,
            at: now,
            syncRunId: options.syncRunId ?? null,
          },
        });
        const message = options.resendInvitation
          ? await enqueueMessage(tx, "ENROLLMENT_INVITATION", device, links)
          : null;
        await tx.auditEntry.create({
          data: {
            actor: options.actor,
            action: "device.unenroll",
            target: device.id,
            before: { status: from },
            after: { status: "UNENROLLED", by: options.by, invitationMessageId: message?.id ?? null },
            at: now,
          },
        });
        return event.seq;
      });
      outcome.unenrolled++;
      if (outcome.maxSeq === null || seq > outcome.maxSeq) outcome.maxSeq = seq;
      publisher.publish("statusEvents", { upToSeq: seq.toString() });
    }
    return outcome;
  }
}
