import { randomUUID } from "node:crypto";
import type { SqlConnection } from "@enrollwatch/db";
import type { EnrollmentStatus, Problem } from "../engine/vocabulary.ts";
import type { FleetHostRecord } from "../fleet/FleetHostRecord.ts";
import { lockStatusEventWriters } from "./EventOrdering.ts";

/** What a sync needs to know about a stored device to evaluate and diff it. */
export interface StoredDeviceState {
  id: string;
  fleetHostId: number;
  status: EnrollmentStatus;
  statusSince: Date;
  purgedAt: Date | null;
  purgedBy: "AUTO_UNENROLLMENT" | "ADMIN" | null;
  everMdmEnrolled: boolean;
  lastMdmEnrolledAt: Date | null;
  lastMdmCheckedInAt: Date | null;
  snapshotHash: string | null;
  missingFromFleetAt: Date | null;
}

/** A device row to insert or update, with the transition it causes (if its status changed). */
export interface DeviceWrite {
  /** Existing row id, or a fresh one for a new device. */
  id: string;
  record: FleetHostRecord;
  status: EnrollmentStatus;
  statusSince: Date;
  problems: Problem[];
  everMdmEnrolled: boolean;
  snapshotHash: string;
  transition: { from: EnrollmentStatus | null; to: EnrollmentStatus } | null;
}

export async function loadDeviceStates(conn: SqlConnection): Promise<Map<number, StoredDeviceState>> {
  const rows = await conn.query<{
    id: string;
    fleetHostId: number;
    status: EnrollmentStatus;
    statusSince: Date;
    purgedAt: Date | null;
    purgedBy: string | null;
    everMdmEnrolled: boolean;
    lastMdmEnrolledAt: Date | null;
    lastMdmCheckedInAt: Date | null;
    snapshotHash: string | null;
    missingFromFleetAt: Date | null;
  }>(
    `SELECT id, "fleetHostId", status, "statusSince", "purgedAt", "purgedBy", "everMdmEnrolled", "lastMdmEnrolledAt",
            "lastMdmCheckedInAt", "snapshotHash", "missingFromFleetAt"
       FROM "Device"`,
  );
  const states = new Map<number, StoredDeviceState>();
  for (const row of rows) {
    states.set(row.fleetHostId, {
      ...row,
      statusSince: asUtc(row.statusSince) ?? row.statusSince,
      purgedAt: asUtc(row.purgedAt),
      lastMdmEnrolledAt: asUtc(row.lastMdmEnrolledAt),
      lastMdmCheckedInAt: asUtc(row.lastMdmCheckedInAt),
      missingFromFleetAt: asUtc(row.missingFromFleetAt),
      purgedBy: row.purgedBy === "AUTO_UNENROLLMENT" || row.purgedBy === "ADMIN" ? row.purgedBy : null,
    });
  }
  return states;
}

/**
 * Prisma keeps DateTime in `timestamp(3)` columns as UTC wall time. Raw drivers read such a value
 * as local time; on a machine whose zone is not UTC that shifts it, so re-read the wall time as UTC.
 */
export function asUtc(value: Date | null): Date | null {
  if (value === null) return null;
  const offset = value.getTimezoneOffset();
  return offset === 0 ? value : new Date(value.getTime() - offset * 60_000);
}

/** ISO without the zone suffix, so `timestamp` columns store the UTC wall time as Prisma does. */
function ts(value: Date | null): string | null {
  return value === null ? null : value.toISOString().replace("Z", "");
}

export interface BatchResult {
  /** Highest StatusEvent seq written, if any transition was. */
  maxSeq: bigint | null;
  transitions: number;
}

/**
 * Writes one batch in one transaction: owners, devices, and one StatusEvent per transition. Bulk
 * statements over unnest() arrays keep a 100,000-host first sync to a few round trips per batch.
 */
export async function writeDeviceBatch(
  conn: SqlConnection,
  writes: DeviceWrite[],
  syncRunId: string,
  now: Date,
): Promise<BatchResult> {
  if (writes.length === 0) return { maxSeq: null, transitions: 0 };
  return conn.transaction(async (tx) => {
    const ownerIds = await upsertOwners(tx, writes);
    await tx.query(
      `INSERT INTO "Device" (id, "fleetHostId", uuid, serial, name, platform, "osVersion", "ownerId", status,
         "statusSince", problems, "seenTime", "detailUpdatedAt", "lastEnrolledAt", "lastMdmEnrolledAt",
         "lastMdmCheckedInAt", "mdmEnrollmentStatus", "everMdmEnrolled", "teamName", "snapshotHash",
         "missingFromFleetAt", "createdAt", "updatedAt")
       SELECT d.id, d.host, d.uuid, d.serial, d.name, d.platform, d.os, d.owner, d.status::"EnrollmentStatus",
         d.since, d.problems::jsonb, d.seen, d.detail, d.enrolled, d.mdm_enrolled, d.mdm_checked_in, d.mdm,
         d.ever_mdm, d.team, d.hash, NULL, $21::timestamp(3), $21::timestamp(3)
       FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[],
         $9::text[], $10::timestamp(3)[], $11::text[], $12::timestamp(3)[], $13::timestamp(3)[], $14::timestamp(3)[],
         $15::timestamp(3)[], $16::timestamp(3)[], $17::text[], $18::bool[], $19::text[], $20::text[])
         AS d(id, host, uuid, serial, name, platform, os, owner, status, since, problems, seen, detail, enrolled,
              mdm_enrolled, mdm_checked_in, mdm, ever_mdm, team, hash)
       ON CONFLICT ("fleetHostId") DO UPDATE SET
         uuid = EXCLUDED.uuid, serial = EXCLUDED.serial, name = EXCLUDED.name, platform = EXCLUDED.platform,
         "osVersion" = EXCLUDED."osVersion", "ownerId" = EXCLUDED."ownerId", status = EXCLUDED.status,
         "statusSince" = EXCLUDED."statusSince", problems = EXCLUDED.problems, "seenTime" = EXCLUDED."seenTime",
         "detailUpdatedAt" = EXCLUDED."detailUpdatedAt", "lastEnrolledAt" = EXCLUDED."lastEnrolledAt",
         "lastMdmEnrolledAt" = EXCLUDED."lastMdmEnrolledAt", "lastMdmCheckedInAt" = EXCLUDED."lastMdmCheckedInAt",
         "mdmEnrollmentStatus" = EXCLUDED."mdmEnrollmentStatus", "everMdmEnrolled" = EXCLUDED."everMdmEnrolled",
         "teamName" = EXCLUDED."teamName", "snapshotHash" = EXCLUDED."snapshotHash", "missingFromFleetAt" = NULL,
         "updatedAt" = EXCLUDED."updatedAt"`,
      [
        writes.map((w) => w.id),
        writes.map((w) => w.record.fleetHostId),
        writes.map((w) => w.record.uuid),
        writes.map((w) => w.record.serial),
        writes.map((w) => w.record.name),
        writes.map((w) => w.record.snapshot.platform),
        writes.map((w) => w.record.osVersion),
        writes.map((w) => (w.record.ownerEmail ? (ownerIds.get(w.record.ownerEmail) ?? null) : null)),
        writes.map((w) => w.status),
        writes.map((w) => ts(w.statusSince)),
        writes.map((w) => JSON.stringify(w.problems)),
        writes.map((w) => ts(w.record.snapshot.seenTime)),
        writes.map((w) => ts(w.record.snapshot.detailUpdatedAt)),
        writes.map((w) => ts(w.record.snapshot.lastEnrolledAt)),
        writes.map((w) => ts(w.record.snapshot.lastMdmEnrolledAt)),
        writes.map((w) => ts(w.record.snapshot.lastMdmCheckedInAt)),
        writes.map((w) => w.record.snapshot.mdm?.enrollmentStatus ?? null),
        writes.map((w) => w.everMdmEnrolled),
        writes.map((w) => w.record.teamName),
        writes.map((w) => w.snapshotHash),
        ts(now),
      ],
    );
    const transitions = writes.filter((w) => w.transition !== null);
    if (transitions.length === 0) return { maxSeq: null, transitions: 0 };
    await lockStatusEventWriters(tx);
    const inserted = await tx.query<{ seq: string }>(
      `INSERT INTO "StatusEvent" ("deviceId", "from", "to", reasons, at, "syncRunId")
       SELECT e.device, e.from_status::"EnrollmentStatus", e.to_status::"EnrollmentStatus", e.reasons::jsonb,
              $5::timestamp(3), $6::uuid
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY
         AS e(device, from_status, to_status, reasons, n)
       ORDER BY e.n
       RETURNING seq::text`,
      [
        transitions.map((w) => w.id),
        transitions.map((w) => w.transition?.from ?? null),
        transitions.map((w) => w.transition?.to),
        transitions.map((w) => JSON.stringify(w.problems)),
        ts(now),
        syncRunId,
      ],
    );
    const maxSeq = inserted.reduce<bigint | null>((max, row) => {
      const seq = BigInt(row.seq);
      return max === null || seq > max ? seq : max;
    }, null);
    return { maxSeq, transitions: inserted.length };
  });
}

async function upsertOwners(tx: SqlConnection, writes: DeviceWrite[]): Promise<Map<string, string>> {
  const owners = new Map<string, string | null>();
  for (const w of writes) {
    if (w.record.ownerEmail && !owners.has(w.record.ownerEmail)) owners.set(w.record.ownerEmail, w.record.ownerName);
  }
  if (owners.size === 0) return new Map();
  const emails = [...owners.keys()].sort();
  const rows = await tx.query<{ id: string; email: string }>(
    `INSERT INTO "Employee" (id, email, name, "createdAt", "updatedAt")
     SELECT o.id, o.email, o.name, now(), now()
     FROM unnest($1::uuid[], $2::text[], $3::text[]) AS o(id, email, name)
     ON CONFLICT (email) DO UPDATE SET name = COALESCE(EXCLUDED.name, "Employee".name)
     RETURNING id, email`,
    [emails.map(() => randomUUID()), emails, emails.map((e) => owners.get(e) ?? null)],
  );
  return new Map(rows.map((r) => [r.email, r.id]));
}

/** Hosts Fleet no longer lists are marked, never deleted: their history stays. */
export async function markMissingFromFleet(conn: SqlConnection, deviceIds: string[], now: Date): Promise<void> {
  if (deviceIds.length === 0) return;
  await conn.query(
    `UPDATE "Device" SET "missingFromFleetAt" = $2::timestamp(3), "updatedAt" = $2::timestamp(3)
     WHERE id = ANY($1::uuid[]) AND "missingFromFleetAt" IS NULL`,
    [deviceIds, ts(now)],
  );
}
