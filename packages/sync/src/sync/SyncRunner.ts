import type { Database } from "@enrollwatch/db";
import type { Logger } from "pino";
import { isMdmOn } from "../engine/FleetTime.ts";
import { evaluateDevice, type HostSnapshot } from "../engine/StatusEngine.ts";
import type { Problem } from "../engine/vocabulary.ts";
import type { EventPublisher } from "../events/EnrollwatchTopics.ts";
import { type FleetClient, FleetFetchError } from "../fleet/FleetClient.ts";
import { type FleetHostRecord, toHostRecord } from "../fleet/FleetHostRecord.ts";
import type { FleetListHost } from "../fleet/FleetSchemas.ts";
import { HostDetailQueue } from "../fleet/HostDetailQueue.ts";
import { type Settings, toEngineSettings } from "../settings/SettingsSchema.ts";
import { loadSettings } from "../settings/SettingsStore.ts";
import { DeviceStateLoader } from "./DeviceStateLoader.ts";
import {
  type DeviceWrite,
  deviceIdsOf,
  isTransition,
  loadDeviceStates,
  markDetailsFetched,
  markMissingFromFleet,
  type StoredDeviceState,
  upsertOwners,
  writeDeviceBatch,
} from "./DeviceStore.ts";
import { epochMs, hourOf, problemsKey, snapshotHash } from "./SnapshotHash.ts";
import { openSyncDeviceWrites } from "./SyncDeviceWrites.ts";
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
  /** Stored device states read per query while paging (tests use a small one to cross chunks). */
  stateChunkSize?: number;
  now?: () => Date;
}

/** What re-checking one device did (the employee's "check again"). */
export interface DeviceCheckResult {
  /** The status the device holds afterwards. */
  status: string;
  /** Its status changed (a transition was recorded). */
  changed: boolean;
  /** Its row was rewritten: a transition, or other facts alert rules read (a new team, platform). */
  written: boolean;
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
   * (or, afterwards, the database) does not know the device. The answer is what the device holds
   * afterwards: when someone changed it between this read and this write (an admin unenrolled it),
   * the write is dropped (see upsertDevicesSql), their change stands, and that is the answer; the
   * facts fetched before their change are not written over it (the next sync decides again).
   */
  async syncDevice(fleetHostId: number): Promise<DeviceCheckResult | null> {
    const { db, fleet, publisher } = this.options;
    const engineSettings = toEngineSettings(await loadSettings(db.prisma));
    let record: FleetHostRecord;
    try {
      record = await fleet.getHostRecord(fleetHostId);
    } catch (error) {
      if (error instanceof FleetFetchError && error.kind === "not_found") return null;
      throw error;
    }
    const now = this.now();
    return db.withConnection(async (conn) => {
      const [previous] = await loadDeviceStates(conn, { fleetHostId });
      const write = this.diff(record, previous, engineSettings, now);
      if (!write) return { status: previous?.status ?? "ENROLLED", changed: false, written: false };
      await upsertOwners(conn, [write]);
      const result = await writeDeviceBatch(conn, [write], null, now);
      if (result.maxSeq !== null) publisher.publish("statusEvents", { upToSeq: result.maxSeq.toString() });
      else if (result.written > 0) publisher.publish("devices", { fleetHostId });
      if (result.written > 0) return { status: write.status, changed: isTransition(write), written: true };
      const [stored] = await loadDeviceStates(conn, { fleetHostId });
      return stored ? { status: stored.status, changed: false, written: false } : null;
    });
  }

  private async sync(runId: string, settings: Settings, now: Date) {
    const { db, fleet, publisher } = this.options;
    const engineSettings = toEngineSettings(settings);
    // Stored states load in host order beside the paging; a page waits only for its own hosts'.
    const loader = new DeviceStateLoader(db, this.options.stateChunkSize);
    const stored = loader.states;

    // Phase 1: fetch and evaluate everything; writes go out as they are decided, visible to nobody
    // until the whole fetch has succeeded.
    const writes = openSyncDeviceWrites(db, this.batchSize, now);
    const detailsRefreshed: { fleetHostId: number; key: string }[] = [];
    const seen = new Set<number>();
    const unenrollCandidates: number[] = [];
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
    const consider = (record: FleetHostRecord) => {
      seen.add(record.fleetHostId);
      const previous = stored.get(record.fleetHostId);
      const write = this.diff(record, previous, engineSettings, now);
      if (write) writes.add(write);
      else if (record.detailed && previous) {
        const s = record.snapshot;
        detailsRefreshed.push({
          fleetHostId: record.fleetHostId,
          key: detailsKeyOf(s.mdm?.enrollmentStatus, s.lastEnrolledAt, s.seenTime),
        });
      }
      const status = write?.status ?? previous?.status;
      if (
        settings.autoUnenrollEnabled &&
        status === "OFFLINE" &&
        lastContact(record.snapshot) < now.getTime() - settings.autoUnenrollAfterDays * DAY_MS
      ) {
        unenrollCandidates.push(record.fleetHostId);
      }
    };
    // Hosts whose list data cannot decide their status are evaluated when their details arrive,
    // so the list keeps paging meanwhile.
    const details = new HostDetailQueue(fleet, consider);
    let transitions = 0;
    try {
      try {
        for await (const hosts of fleet.listHostPages()) {
          const last = hosts.at(-1);
          if (last) await loader.through(last.id);
          for (const host of hosts) {
            if (needsDetails(host)) details.push(host);
            else consider(toHostRecord(host));
          }
          await writes.keepUp();
        }
        await loader.all();
        await details.drain();
      } finally {
        details.abort();
      }
      if (details.vanished > 0) {
        this.options.logger.info(
          { syncRunId: runId, hosts: details.vanished },
          "hosts deleted from Fleet while the sync ran; marked missing",
        );
      }
      // Phase 2: the fetch succeeded; commit. Subscribers hear of each commit once it is durable.
      await writes.commit(runId, now, (result) => {
        transitions += result.transitions;
        if (result.maxSeq !== null) publisher.publish("statusEvents", { upToSeq: result.maxSeq.toString() });
      });
    } catch (error) {
      loader.cancel();
      await writes.discard();
      throw error;
    }
    if (detailsRefreshed.length > 0) {
      await db.withConnection((conn) => markDetailsFetched(conn, detailsRefreshed, now));
    }
    const missing: number[] = [];
    for (const d of stored.values()) {
      if (!seen.has(d.fleetHostId) && d.missingFromFleetAt === null) missing.push(d.fleetHostId);
    }
    if (missing.length > 0) await db.withConnection((conn) => markMissingFromFleet(conn, missing, now));

    // Phase 3: auto-unenrolment, guarded by the safety share of the fleet.
    let unenrolled = 0;
    let pendingUnenrollDeviceIds: string[] = [];
    let state: SyncRunResult["state"] = "SUCCEEDED";
    if (unenrollCandidates.length > 0) {
      const limit = Math.floor((seen.size * settings.autoUnenrollMaxPercent) / 100);
      const candidateIds = await db.withConnection((conn) => deviceIdsOf(conn, unenrollCandidates));
      if (candidateIds.length > limit) {
        pendingUnenrollDeviceIds = candidateIds;
        state = "AWAITING_CONFIRMATION";
      } else {
        const outcome = await this.options.unenrollment.unenroll(candidateIds, {
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
      devicesWritten: writes.written,
      pendingUnenrollDeviceIds,
      unenrolled,
      error,
    };
  }

  /**
   * The write a host needs, or null when nothing about it changed since the last sync. `record` is
   * this sync's own (made by toHostRecord for this call): an undetailed one gets the MDM times an
   * earlier detail fetch told us written into its snapshot, in place, as this runs for every host.
   */
  private diff(
    record: FleetHostRecord,
    previous: StoredDeviceState | undefined,
    engineSettings: ReturnType<typeof toEngineSettings>,
    now: Date,
  ): DeviceWrite | null {
    // Details are fetched only when needed; otherwise keep what an earlier detail fetch told us.
    const snapshot = record.snapshot;
    if (!record.detailed) {
      snapshot.lastMdmEnrolledAt = previous?.lastMdmEnrolledAt ?? null;
      snapshot.lastMdmCheckedInAt = previous?.lastMdmCheckedInAt ?? null;
    }
    // A stored state is a PreviousDeviceState (status, purge, everMdmEnrolled) as it is.
    const evaluation = evaluateDevice(snapshot, previous ?? null, engineSettings, now);
    const everMdmEnrolled = (previous?.everMdmEnrolled ?? false) || evaluation.mdmEnrolled;
    const hash = snapshotHash(record, evaluation.status, evaluation.problems, everMdmEnrolled);
    if (previous && previous.snapshotHash === hash && previous.missingFromFleetAt === null) return null;
    return {
      fleetHostId: record.fleetHostId,
      uuid: record.uuid,
      serial: record.serial,
      name: record.name,
      platform: snapshot.platform,
      osVersion: record.osVersion,
      teamName: record.teamName,
      ownerEmail: record.ownerEmail,
      ownerName: record.ownerName,
      status: evaluation.status,
      problemsJson: internProblems(evaluation.problems),
      everMdmEnrolled,
      snapshotHash: hash,
      detailsKey: record.detailed
        ? detailsKeyOf(snapshot.mdm?.enrollmentStatus, snapshot.lastEnrolledAt, snapshot.seenTime)
        : null,
      seenTime: epochMs(snapshot.seenTime),
      detailUpdatedAt: epochMs(snapshot.detailUpdatedAt),
      lastEnrolledAt: epochMs(snapshot.lastEnrolledAt),
      lastMdmEnrolledAt: epochMs(snapshot.lastMdmEnrolledAt),
      lastMdmCheckedInAt: epochMs(snapshot.lastMdmCheckedInAt),
      mdmEnrollmentStatus: snapshot.mdm?.enrollmentStatus ?? null,
      previousStatus: previous?.status ?? null,
    };
  }
}

function lastContact(snapshot: HostSnapshot): number {
  const times = [snapshot.seenTime, snapshot.lastMdmCheckedInAt, snapshot.lastEnrolledAt]
    .filter((t): t is Date => t !== null)
    .map((t) => t.getTime());
  return times.length === 0 ? Number.POSITIVE_INFINITY : Math.max(...times);
}

/** Host details stay good this long while the host's list facts do not change. */
const DETAILS_REUSE_MS = 3_600_000;

/** The list facts host details depend on; when they change, the details are fetched again. */
function detailsKeyOf(
  mdmStatus: string | null | undefined,
  lastEnrolledAt: Date | null | undefined,
  seenTime: Date | null | undefined,
): string {
  return `${mdmStatus ?? ""}|${lastEnrolledAt?.getTime() ?? ""}|${hourOf(seenTime ?? null) ?? ""}`;
}

const internedProblems = new Map<string, string>();
/** One JSON string per distinct problem list: 100,000 devices share a few dozen. */
function internProblems(problems: readonly Problem[]): string {
  const key = problemsKey(problems);
  const known = internedProblems.get(key);
  if (known !== undefined) return known;
  if (internedProblems.size > 10_000) internedProblems.clear();
  const json = JSON.stringify(problems);
  internedProblems.set(key, json);
  return json;
}
