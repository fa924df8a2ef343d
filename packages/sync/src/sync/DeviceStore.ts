import { randomUUID } from "node:crypto";
import type { SqlConnection } from "@enrollwatch/db";
import type { EnrollmentStatus } from "../engine/vocabulary.ts";
import type { FleetHostRecord } from "../fleet/FleetHostRecord.ts";
import { epoch, ts } from "../sql/SqlTime.ts";
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
  detailsFetchedAt: number | null;
  detailsKey: string | null;
}

/** A device row to insert or update, with the transition it causes (if its status changed). */
export interface DeviceWrite {
  /** Existing row id, or a fresh one for a new device. */
  id: string;
  record: FleetHostRecord;
  status: EnrollmentStatus;
  statusSince: Date;
  /** The problems as JSON, interned: a fleet has few distinct problem lists. */
  problemsJson: string;
  everMdmEnrolled: boolean;
  snapshotHash: string;
  /** Set when host details were fetched in this sync: the list facts they belong to. */
  detailsKey: string | null;
  transition: { from: EnrollmentStatus | null; to: EnrollmentStatus } | null;
}

/**
 * Every stored device's state, read as one JSON document: PGlite decodes row sets slowly, and one
 * text value parses several times faster than 100,000 rows (on PostgreSQL too).
 */
export async function loadDeviceStates(
  conn: SqlConnection,
  onlyFleetHostId?: number,
): Promise<Map<number, StoredDeviceState>> {
  const [row] = await conn.query<{ states: string | null }>(
    `SELECT json_agg(json_build_array(id, "fleetHostId", status, ${epoch('"statusSince"')}, ${epoch('"purgedAt"')},
              "purgedBy", "everMdmEnrolled", ${epoch('"lastMdmEnrolledAt"')}, ${epoch('"lastMdmCheckedInAt"')},
              "snapshotHash", ${epoch('"missingFromFleetAt"')}, ${epoch('"detailsFetchedAt"')}, "detailsKey"))::text AS states
       FROM "Device"${onlyFleetHostId === undefined ? "" : ' WHERE "fleetHostId" = $1'}`,
    onlyFleetHostId === undefined ? [] : [onlyFleetHostId],
  );
  type Tuple = [
    string,
    number,
    EnrollmentStatus,
    number,
    number | null,
    string | null,
    boolean,
    number | null,
    number | null,
    string | null,
    number | null,
    number | null,
    string | null,
  ];
  const tuples = JSON.parse(row?.states ?? "[]") as Tuple[];
  const states = new Map<number, StoredDeviceState>();
  const date = (ms: number | null) => (ms === null ? null : new Date(ms));
  for (const t of tuples) {
    states.set(t[1], {
      id: t[0],
      fleetHostId: t[1],
      status: t[2],
      statusSince: new Date(t[3]),
      purgedAt: date(t[4]),
      purgedBy: t[5] === "AUTO_UNENROLLMENT" || t[5] === "ADMIN" ? t[5] : null,
      everMdmEnrolled: t[6],
      lastMdmEnrolledAt: date(t[7]),
      lastMdmCheckedInAt: date(t[8]),
      snapshotHash: t[9],
      missingFromFleetAt: date(t[10]),
      detailsFetchedAt: t[11],
      detailsKey: t[12],
    });
  }
  return states;
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
  ownerIds: ReadonlyMap<string, string>,
  syncRunId: string | null,
  now: Date,
): Promise<BatchResult> {
  if (writes.length === 0) return { maxSeq: null, transitions: 0 };
  return conn.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO "Device" (id, "fleetHostId", uuid, serial, name, platform, "osVersion", "ownerId", status,
         "statusSince", problems, "seenTime", "detailUpdatedAt", "lastEnrolledAt", "lastMdmEnrolledAt",
         "lastMdmCheckedInAt", "mdmEnrollmentStatus", "everMdmEnrolled", "teamName", "snapshotHash",
         "missingFromFleetAt", "detailsFetchedAt", "detailsKey", "createdAt", "updatedAt")
       SELECT d.id, d.host, d.uuid, d.serial, d.name, d.platform, d.os, d.owner, d.status::"EnrollmentStatus",
         d.since, d.problems::jsonb, d.seen, d.detail, d.enrolled, d.mdm_enrolled, d.mdm_checked_in, d.mdm,
         d.ever_mdm, d.team, d.hash, NULL, CASE WHEN d.details_key IS NULL THEN NULL ELSE $21::timestamp(3) END,
         d.details_key, $21::timestamp(3), $21::timestamp(3)
       FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[],
         $9::text[], $10::timestamp(3)[], $11::text[], $12::timestamp(3)[], $13::timestamp(3)[], $14::timestamp(3)[],
         $15::timestamp(3)[], $16::timestamp(3)[], $17::text[], $18::bool[], $19::text[], $20::text[], $22::text[])
         AS d(id, host, uuid, serial, name, platform, os, owner, status, since, problems, seen, detail, enrolled,
              mdm_enrolled, mdm_checked_in, mdm, ever_mdm, team, hash, details_key)
       ON CONFLICT ("fleetHostId") DO UPDATE SET
         uuid = EXCLUDED.uuid, serial = EXCLUDED.serial, name = EXCLUDED.name, platform = EXCLUDED.platform,
         "osVersion" = EXCLUDED."osVersion", "ownerId" = EXCLUDED."ownerId", status = EXCLUDED.status,
         "statusSince" = EXCLUDED."statusSince", problems = EXCLUDED.problems, "seenTime" = EXCLUDED."seenTime",
         "detailUpdatedAt" = EXCLUDED."detailUpdatedAt", "lastEnrolledAt" = EXCLUDED."lastEnrolledAt",
         "lastMdmEnrolledAt" = EXCLUDED."lastMdmEnrolledAt", "lastMdmCheckedInAt" = EXCLUDED."lastMdmCheckedInAt",
         "mdmEnrollmentStatus" = EXCLUDED."mdmEnrollmentStatus", "everMdmEnrolled" = EXCLUDED."everMdmEnrolled",
         "teamName" = EXCLUDED."teamName", "snapshotHash" = EXCLUDED."snapshotHash", "missingFromFleetAt" = NULL,
         "detailsFetchedAt" = COALESCE(EXCLUDED."detailsFetchedAt", "Device"."detailsFetchedAt"),
         "detailsKey" = COALESCE(EXCLUDED."detailsKey", "Device"."detailsKey"),
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
        writes.map((w) => w.problemsJson),
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
        writes.map((w) => w.detailsKey),
      ],
    );
    const transitions = writes.filter((w) => w.transition !== null);
    if (transitions.length === 0) return { maxSeq: null, transitions: 0 };
    await lockStatusEventWriters(tx);
    const [inserted] = await tx.query<{ max: string | null; n: number }>(
      `WITH inserted AS (
         INSERT INTO "StatusEvent" ("deviceId", "from", "to", reasons, at, "syncRunId")
         SELECT e.device, e.from_status::"EnrollmentStatus", e.to_status::"EnrollmentStatus", e.reasons::jsonb,
                $5::timestamp(3), $6::uuid
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY
           AS e(device, from_status, to_status, reasons, n)
         ORDER BY e.n
         RETURNING seq)
       SELECT max(seq)::text AS max, count(*)::int AS n FROM inserted`,
      [
        transitions.map((w) => w.id),
        transitions.map((w) => w.transition?.from ?? null),
        transitions.map((w) => w.transition?.to),
        transitions.map((w) => w.problemsJson),
        ts(now),
        syncRunId,
      ],
    );
    return { maxSeq: inserted?.max ? BigInt(inserted.max) : null, transitions: inserted?.n ?? 0 };
  });
}

/**
 * The employee id of every owner the writes name, creating employees that are new, once per sync
 * (in chunks) rather than in every device batch.
 */
export async function upsertOwners(conn: SqlConnection, writes: DeviceWrite[]): Promise<Map<string, string>> {
  const owners = new Map<string, string | null>();
  for (const w of writes) {
    const email = w.record.ownerEmail;
    if (email && (!owners.has(email) || (owners.get(email) === null && w.record.ownerName))) {
      owners.set(email, w.record.ownerName);
    }
  }
  const ids = new Map<string, string>();
  const emails = [...owners.keys()].sort();
  for (let i = 0; i < emails.length; i += 5000) {
    const chunk = emails.slice(i, i + 5000);
    for (const [email, id] of await upsertOwnerChunk(conn, chunk, owners)) ids.set(email, id);
  }
  return ids;
}

async function upsertOwnerChunk(
  conn: SqlConnection,
  emails: string[],
  owners: Map<string, string | null>,
): Promise<Map<string, string>> {
  const rows = await conn.query<{ id: string; email: string }>(
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

/** Details fetched for devices that needed no other write: remember when, so they are reused. */
export async function markDetailsFetched(
  conn: SqlConnection,
  refreshed: { id: string; key: string }[],
  now: Date,
): Promise<void> {
  if (refreshed.length === 0) return;
  await conn.query(
    `UPDATE "Device" AS d SET "detailsFetchedAt" = $3::timestamp(3), "detailsKey" = r.key
     FROM unnest($1::uuid[], $2::text[]) AS r(id, key) WHERE d.id = r.id`,
    [refreshed.map((r) => r.id), refreshed.map((r) => r.key), ts(now)],
  );
}
