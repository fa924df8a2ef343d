import { createHash, randomUUID } from "node:crypto";
import type { Database } from "@enrollwatch/db";
import type { Logger } from "pino";
import { isMdmOn } from "../engine/FleetTime.ts";
import { evaluateDevice, type HostSnapshot } from "../engine/StatusEngine.ts";
import type { EventPublisher } from "../events/EnrollwatchTopics.ts";
import { type FleetClient, FleetFetchError } from "../fleet/FleetClient.ts";
import type { FleetHostRecord } from "../fleet/FleetHostRecord.ts";
import type { FleetListHost } from "../fleet/FleetSchemas.ts";
import { type Settings, toEngineSettings } from "../settings/SettingsSchema.ts";
import { loadSettings } from "../settings/SettingsStore.ts";
import {
  type DeviceWrite,
  loadDeviceStates,
  markDetailsFetched,
  markMissingFromFleet,
  type StoredDeviceState,
  upsertOwners,
  writeDeviceBatch,
} from "./DeviceStore.ts";
import type { UnenrollmentService } from "./UnenrollmentService.ts";

const DAY_MS = 86_400_000;
const APPLE_PLATFORMS = new Set(["darwin", "ios", "ipados"]);

export interface SyncRunnerOptions {
  db: Database;
  fleet: FleetClient;
  publisher: EventPublisher;
  unenrollment: UnenrollmentService;
  logger: Logger;
  /** Devices written per transaction. */
  batchSize?: number;
  now?: () => Date;
}

export interface SyncRunResult {
  id: string;
  state: "SUCCEEDED" | "FAILED" | "AWAITING_CONFIRMATION";
  hostsSeen: number;
  transitions: number;
  devicesWritten: number;
  error: string | null;
  /** Devices auto-unenrolment purged in this run. */
  unenrolled: number;
  /** Devices held back for an admin's confirmation (over the safety share). */
  pendingUnenroll: number;
}

/**
 * One sync: fetch the whole fleet, evaluate every host, diff against the stored devices, then write
 * changed devices and one StatusEvent per transition, batch by batch, each batch one transaction.
 * Nothing is written until the whole fetch succeeded, so a Fleet outage never flips a device.
 */
export class SyncRunner {
  private readonly batchSize: number;
  private readonly now: () => Date;

  constructor(private readonly options: SyncRunnerOptions) {
    this.batchSize = options.batchSize ?? 5000;
    this.now = options.now ?? (() => new Date());
  }

  async run(trigger = "schedule"): Promise<SyncRunResult> {
    const { db, publisher, logger } = this.options;
    const startedAt = this.now();
    const settings = await loadSettings(db.prisma);
    const run = await db.prisma.syncRun.create({ data: { trigger, startedAt, state: "RUNNING" } });
    publisher.publish("syncRuns", { id: run.id });
    const log = logger.child({ syncRunId: run.id });
    try {
      const result = await this.sync(run.id, settings, startedAt);
      const finished = await db.prisma.syncRun.update({
        where: { id: run.id },
        data: {
          finishedAt: this.now(),
          state: result.state,
          hostsSeen: result.hostsSeen,
          transitions: result.transitions,
          pendingUnenrollDeviceIds: result.pendingUnenrollDeviceIds,
          error: result.error,
        },
      });
      publisher.publish("syncRuns", { id: run.id });
      log.info(
        { ...result, pendingUnenrollDeviceIds: undefined, ms: Date.now() - startedAt.getTime() },
        "sync finished",
      );
      return {
        id: finished.id,
        state: result.state,
        hostsSeen: result.hostsSeen,
        transitions: result.transitions,
        devicesWritten: result.devicesWritten,
        error: result.error,
        unenrolled: result.unenrolled,
        pendingUnenroll: result.pendingUnenrollDeviceIds.length,
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.warn({ err: error }, "sync failed");
      await db.prisma.syncRun.update({
        where: { id: run.id },
        data: { finishedAt: this.now(), state: "FAILED", error: message },
      });
      publisher.publish("syncRuns", { id: run.id });
      return {
        id: run.id,
        state: "FAILED",
        hostsSeen: 0,
        transitions: 0,
        devicesWritten: 0,
        error: message,
        unenrolled: 0,
        pendingUnenroll: 0,
      };
    }
  }

  /**
   * Re-evaluates one device from its host details right away (the employee's "check again"),
   * writing it and its transition like a full sync would. Returns its status, or null when Fleet
   * does not know the host.
   */
  async syncDevice(fleetHostId: number): Promise<{ status: string; changed: boolean } | null> {
    const { db, fleet, publisher } = this.options;
    const now = this.now();
    const settings = await loadSettings(db.prisma);
    const conn = await db.connect();
    try {
      const previous = (await loadDeviceStates(conn, fleetHostId)).get(fleetHostId);
      let record: FleetHostRecord;
      try {
        record = await fleet.getHostRecord(fleetHostId);
      } catch (error) {
        if (error instanceof FleetFetchError && error.kind === "not_found") return null;
        throw error;
      }
      const write = this.diff(record, previous, toEngineSettings(settings), now);
      if (!write) return { status: previous?.status ?? "ENROLLED", changed: false };
      const ownerIds = await upsertOwners(conn, [write]);
      const result = await writeDeviceBatch(conn, [write], ownerIds, null, now);
      if (result.maxSeq !== null) publisher.publish("statusEvents", { upToSeq: result.maxSeq.toString() });
      return { status: write.status, changed: write.transition !== null };
    } finally {
      await conn.release();
    }
  }

  private async sync(runId: string, settings: Settings, now: Date) {
    const { db, fleet, publisher } = this.options;
    const engineSettings = toEngineSettings(settings);
    const conn = await db.connect();
    let stored: Map<number, StoredDeviceState>;
    try {
      stored = await loadDeviceStates(conn);
    } finally {
      await conn.release();
    }

    // Phase 1: fetch and evaluate everything. Only compact writes are kept, not Fleet's JSON.
    const writes: DeviceWrite[] = [];
    const detailsRefreshed: { id: string; key: string }[] = [];
    const seen = new Set<number>();
    const unenrollCandidates: string[] = [];
    const offlineMs = settings.offlineAfterDays * DAY_MS;
    const needsDetails = (host: FleetListHost) => {
      if (!APPLE_PLATFORMS.has(host.platform.toLowerCase())) return false;
      const previous = stored.get(host.id);
      // Details fetched recently for the same list facts say the same thing: reuse them.
      if (
        previous?.detailsFetchedAt != null &&
        now.getTime() - previous.detailsFetchedAt < DETAILS_REUSE_MS &&
        previous.detailsKey === detailsKeyOf(host.mdm?.enrollment_status, host.last_enrolled_at, host.seen_time)
      ) {
        return false;
      }
      // MDM not on and never seen on: only the host's details say whether it ever enrolled.
      if (!isMdmOn(host.mdm?.enrollment_status) && !previous?.everMdmEnrolled) return true;
      // Agent silent for long: an MDM check-in (details only) may still prove the device is around.
      const seenTime = host.seen_time ?? null;
      return seenTime === null || now.getTime() - seenTime.getTime() > offlineMs;
    };
    for await (const page of fleet.listHosts(needsDetails)) {
      for (const record of page.hosts) {
        seen.add(record.fleetHostId);
        const previous = stored.get(record.fleetHostId);
        const write = this.diff(record, previous, engineSettings, now);
        if (write) writes.push(write);
        else if (record.detailed && previous) {
          const s = record.snapshot;
          detailsRefreshed.push({
            id: previous.id,
            key: detailsKeyOf(s.mdm?.enrollmentStatus, s.lastEnrolledAt, s.seenTime),
          });
        }
        const status = write?.status ?? previous?.status;
        if (
          settings.autoUnenrollEnabled &&
          status === "OFFLINE" &&
          lastContact(record.snapshot) < now.getTime() - settings.autoUnenrollAfterDays * DAY_MS
        ) {
          unenrollCandidates.push(write?.id ?? (previous as StoredDeviceState).id);
        }
      }
    }

    // Phase 2: write, one transaction per batch; subscribers hear of each batch once it committed.
    let transitions = 0;
    let ownerIds: Map<string, string> = new Map();
    if (writes.length > 0) {
      const conn = await db.connect();
      try {
        ownerIds = await upsertOwners(conn, writes);
      } finally {
        await conn.release();
      }
    }
    for (let i = 0; i < writes.length; i += this.batchSize) {
      const batch = writes.slice(i, i + this.batchSize);
      const conn = await db.connect();
      try {
        const result = await writeDeviceBatch(conn, batch, ownerIds, runId, now);
        transitions += result.transitions;
        if (result.maxSeq !== null) publisher.publish("statusEvents", { upToSeq: result.maxSeq.toString() });
      } finally {
        await conn.release();
      }
    }
    if (detailsRefreshed.length > 0) {
      const conn = await db.connect();
      try {
        await markDetailsFetched(conn, detailsRefreshed, now);
      } finally {
        await conn.release();
      }
    }
    const missing = [...stored.values()].filter((d) => !seen.has(d.fleetHostId) && d.missingFromFleetAt === null);
    if (missing.length > 0) {
      const conn = await db.connect();
      try {
        await markMissingFromFleet(
          conn,
          missing.map((d) => d.id),
          now,
        );
      } finally {
        await conn.release();
      }
    }

    // Phase 3: auto-unenrolment, guarded by the safety share of the fleet.
    let unenrolled = 0;
    let pendingUnenrollDeviceIds: string[] = [];
    let state: SyncRunResult["state"] = "SUCCEEDED";
    if (unenrollCandidates.length > 0) {
      const limit = Math.floor((seen.size * settings.autoUnenrollMaxPercent) / 100);
      if (unenrollCandidates.length > limit) {
        pendingUnenrollDeviceIds = unenrollCandidates;
        state = "AWAITING_CONFIRMATION";
      } else {
        const outcome = await this.options.unenrollment.unenroll(unenrollCandidates, {
          by: "AUTO_UNENROLLMENT",
          actor: "auto-unenrolment",
          syncRunId: runId,
          resendInvitation: settings.resendInvitationOnUnenroll,
        });
        unenrolled = outcome.unenrolled;
        transitions += outcome.unenrolled;
      }
    }
    const error =
      state === "AWAITING_CONFIRMATION"
        ? `Auto-unenrolment held back: ${unenrollCandidates.length} devices exceed ${settings.autoUnenrollMaxPercent}% of the fleet (${seen.size}); an admin must confirm.`
        : null;
    return {
      state,
      hostsSeen: seen.size,
      transitions,
      devicesWritten: writes.length,
      pendingUnenrollDeviceIds,
      unenrolled,
      error,
    };
  }

  /** The write a host needs, or null when nothing about it changed since the last sync. */
  private diff(
    record: FleetHostRecord,
    previous: StoredDeviceState | undefined,
    engineSettings: ReturnType<typeof toEngineSettings>,
    now: Date,
  ): DeviceWrite | null {
    // Details are fetched only when needed; otherwise keep what an earlier detail fetch told us.
    const snapshot: HostSnapshot = record.detailed
      ? record.snapshot
      : {
          ...record.snapshot,
          lastMdmEnrolledAt: previous?.lastMdmEnrolledAt ?? null,
          lastMdmCheckedInAt: previous?.lastMdmCheckedInAt ?? null,
        };
    const evaluation = evaluateDevice(
      snapshot,
      previous
        ? {
            status: previous.status,
            purgedAt: previous.purgedAt,
            purgedBy: previous.purgedBy,
            everMdmEnrolled: previous.everMdmEnrolled,
          }
        : null,
      engineSettings,
      now,
    );
    const everMdmEnrolled = (previous?.everMdmEnrolled ?? false) || evaluation.mdmEnrolled;
    const fullRecord = { ...record, snapshot };
    const problemsJson = internProblems(evaluation.problems);
    const hash = snapshotHash(fullRecord, evaluation.status, problemsJson, everMdmEnrolled);
    if (previous && previous.snapshotHash === hash && previous.missingFromFleetAt === null) return null;
    const changed = !previous || previous.status !== evaluation.status;
    return {
      id: previous?.id ?? randomUUID(),
      record: fullRecord,
      status: evaluation.status,
      statusSince: changed ? now : (previous?.statusSince ?? now),
      problemsJson,
      everMdmEnrolled,
      snapshotHash: hash,
      detailsKey: record.detailed
        ? detailsKeyOf(snapshot.mdm?.enrollmentStatus, snapshot.lastEnrolledAt, snapshot.seenTime)
        : null,
      transition: changed ? { from: previous?.status ?? null, to: evaluation.status } : null,
    };
  }
}

function lastContact(snapshot: HostSnapshot): number {
  const times = [snapshot.seenTime, snapshot.lastMdmCheckedInAt, snapshot.lastEnrolledAt]
    .filter((t): t is Date => t !== null)
    .map((t) => t.getTime());
  return times.length === 0 ? Number.POSITIVE_INFINITY : Math.max(...times);
}

const HOUR_MS = 3_600_000;
/** Host details stay good this long while the host's list facts do not change. */
const DETAILS_REUSE_MS = HOUR_MS;

/** The list facts host details depend on; when they change, the details are fetched again. */
function detailsKeyOf(
  mdmStatus: string | null | undefined,
  lastEnrolledAt: Date | null | undefined,
  seenTime: Date | null | undefined,
): string {
  return `${mdmStatus ?? ""}|${lastEnrolledAt?.getTime() ?? ""}|${hour(seenTime ?? null) ?? ""}`;
}
/**
 * Fleet moves seen_time and detail_updated_at every few minutes for every healthy host. Statuses are
 * always computed from the fresh values; the stored copies only feed the dashboard's "last seen",
 * so they are rewritten when they move by an hour or the status, problems or identity change.
 * Without this, every sync would rewrite every device.
 */
function hour(time: Date | null): number | null {
  return time === null ? null : Math.floor(time.getTime() / HOUR_MS);
}

// The owner's name comes only with host details, fetched for a few hosts: it is kept (Employee
// upsert) but not part of the hash, or every detail fetch would look like a change.
const internedProblems = new Map<string, string>();
/** One string per distinct problem list: 100,000 devices share a few dozen. */
function internProblems(problems: unknown): string {
  const json = JSON.stringify(problems);
  const known = internedProblems.get(json);
  if (known !== undefined) return known;
  if (internedProblems.size > 10_000) internedProblems.clear();
  internedProblems.set(json, json);
  return json;
}

function snapshotHash(record: FleetHostRecord, status: string, problems: string, everMdmEnrolled: boolean): string {
  const s = record.snapshot;
  return createHash("sha1")
    .update(
      JSON.stringify([
        record.uuid,
        record.serial,
        record.name,
        record.osVersion,
        record.teamName,
        record.ownerEmail,
        s.platform,
        hour(s.seenTime),
        hour(s.detailUpdatedAt),
        s.lastEnrolledAt?.getTime(),
        s.mdm?.enrollmentStatus,
        s.lastMdmEnrolledAt?.getTime(),
        hour(s.lastMdmCheckedInAt),
        everMdmEnrolled,
        status,
        problems,
      ]),
    )
    .digest("base64");
}
