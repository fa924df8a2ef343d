import { randomUUID } from "node:crypto";
import type { SqlConnection } from "@enrollwatch/db";
import type { EnrollmentStatus } from "../engine/vocabulary.ts";
import { epoch, fromEpochMs, ts } from "../sql/SqlTime.ts";
import { lockStatusEventWriters } from "./EventOrdering.ts";

/**
 * What a sync needs to know about a stored device to evaluate and diff it. Rows are found by
 * `fleetHostId`; the row id and status start time stay in the database (the writes resolve them
 * there), which keeps this to a few small fields for the 100,000 devices a sync holds at once.
 */
export interface StoredDeviceState {
  fleetHostId: number;
  status: EnrollmentStatus;
  everMdmEnrolled: boolean;
  snapshotHash: string | null;
  purgedAt: Date | null;
  purgedBy: "AUTO_UNENROLLMENT" | "ADMIN" | null;
  lastMdmEnrolledAt: Date | null;
  lastMdmCheckedInAt: Date | null;
  missingFromFleetAt: Date | null;
  detailsFetchedAt: number | null;
  detailsKey: string | null;
}

/**
 * A device row to insert or update. Flat, with times as epoch milliseconds: a first sync holds one
 * per host until the fetch has succeeded, and nested records with Date objects cost three times
 * the memory. New rows get their id from the database.
 */
export interface DeviceWrite {
  fleetHostId: number;
  uuid: string | null;
  serial: string | null;
  name: string;
  platform: string;
  osVersion: string | null;
  teamName: string | null;
  ownerEmail: string | null;
  ownerName: string | null;
  status: EnrollmentStatus;
  /** The problems as JSON, interned: a fleet has few distinct problem lists. */
  problemsJson: string;
  everMdmEnrolled: boolean;
  snapshotHash: string;
  /** Set when host details were fetched in this sync: the list facts they belong to. */
  detailsKey: string | null;
  seenTime: number | null;
  detailUpdatedAt: number | null;
  lastEnrolledAt: number | null;
  lastMdmEnrolledAt: number | null;
  lastMdmCheckedInAt: number | null;
  mdmEnrollmentStatus: string | null;
  /** The stored status this write replaces; null for a device seen for the first time. */
  previousStatus: EnrollmentStatus | null;
}

/** A write records a transition when the device is new or its status changed. */
export function isTransition(write: DeviceWrite): boolean {
  return write.previousStatus !== write.status;
}

type StateTuple = [
  number,
  EnrollmentStatus,
  boolean,
  string | null,
  [number | null, string | null, number | null, number | null, number | null, number | null, string | null] | null,
];

/**
 * Every stored device's state, read as one JSON document: PGlite decodes row sets slowly, and one
 * text value parses several times faster than 100,000 rows (on PostgreSQL too). Timestamps are
 * costly to format, so the ones most devices never have come in a nested array only when one is set.
 */
export async function loadDeviceStates(
  conn: SqlConnection,
  onlyFleetHostId?: number,
): Promise<Map<number, StoredDeviceState>> {
  const [row] = await conn.query<{ states: string | null }>(
    `SELECT json_agg(json_build_array("fleetHostId", status, "everMdmEnrolled", "snapshotHash",
              CASE WHEN "purgedAt" IS NOT NULL OR "purgedBy" IS NOT NULL OR "lastMdmEnrolledAt" IS NOT NULL
                     OR "lastMdmCheckedInAt" IS NOT NULL OR "missingFromFleetAt" IS NOT NULL
                     OR "detailsFetchedAt" IS NOT NULL OR "detailsKey" IS NOT NULL
                   THEN json_build_array(${epoch('"purgedAt"')}, "purgedBy", ${epoch('"lastMdmEnrolledAt"')},
                     ${epoch('"lastMdmCheckedInAt"')}, ${epoch('"missingFromFleetAt"')}, ${epoch('"detailsFetchedAt"')},
                     "detailsKey") END))::text AS states
       FROM "Device"${onlyFleetHostId === undefined ? "" : ' WHERE "fleetHostId" = $1'}`,
    onlyFleetHostId === undefined ? [] : [onlyFleetHostId],
  );
  const tuples = JSON.parse(row?.states ?? "[]") as StateTuple[];
  const states = new Map<number, StoredDeviceState>();
  const date = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms));
  for (const [fleetHostId, status, everMdmEnrolled, snapshotHash, rare] of tuples) {
    const purgedBy = rare?.[1];
    states.set(fleetHostId, {
      fleetHostId,
      status,
      everMdmEnrolled,
      snapshotHash,
      purgedAt: date(rare?.[0]),
      purgedBy: purgedBy === "AUTO_UNENROLLMENT" || purgedBy === "ADMIN" ? purgedBy : null,
      lastMdmEnrolledAt: date(rare?.[2]),
      lastMdmCheckedInAt: date(rare?.[3]),
      missingFromFleetAt: date(rare?.[4]),
      detailsFetchedAt: rare?.[5] ?? null,
      detailsKey: rare?.[6] ?? null,
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
 * Writes one batch in one transaction: devices, and one StatusEvent per transition. Bulk statements
 * over unnest() arrays keep a 100,000-host first sync to a few round trips per batch. Owners must
 * exist already (upsertOwners): devices find them by e-mail. A status that stays the same keeps its
 * start time; a new row gets its id here.
 */
export async function writeDeviceBatch(
  conn: SqlConnection,
  writes: DeviceWrite[],
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
       SELECT gen_random_uuid(), d.host, d.uuid, d.serial, d.name, d.platform, d.os, e.id, d.status::"EnrollmentStatus",
         $20::timestamp(3), d.problems::jsonb, ${fromEpochMs("d.seen")}, ${fromEpochMs("d.detail")},
         ${fromEpochMs("d.enrolled")}, ${fromEpochMs("d.mdm_enrolled")}, ${fromEpochMs("d.mdm_checked_in")}, d.mdm,
         d.ever_mdm, d.team, d.hash, NULL, CASE WHEN d.details_key IS NULL THEN NULL ELSE $20::timestamp(3) END,
         d.details_key, $20::timestamp(3), $20::timestamp(3)
       FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
         $8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[],
         $15::text[], $16::bool[], $17::text[], $18::text[], $19::text[])
         AS d(host, uuid, serial, name, platform, os, owner_email, status, problems, seen, detail, enrolled,
              mdm_enrolled, mdm_checked_in, mdm, ever_mdm, team, hash, details_key)
       LEFT JOIN "Employee" e ON e.email = d.owner_email
       ON CONFLICT ("fleetHostId") DO UPDATE SET
         uuid = EXCLUDED.uuid, serial = EXCLUDED.serial, name = EXCLUDED.name, platform = EXCLUDED.platform,
         "osVersion" = EXCLUDED."osVersion", "ownerId" = EXCLUDED."ownerId", status = EXCLUDED.status,
         "statusSince" = CASE WHEN "Device".status = EXCLUDED.status THEN "Device"."statusSince"
                              ELSE EXCLUDED."statusSince" END,
         problems = EXCLUDED.problems, "seenTime" = EXCLUDED."seenTime",
         "detailUpdatedAt" = EXCLUDED."detailUpdatedAt", "lastEnrolledAt" = EXCLUDED."lastEnrolledAt",
         "lastMdmEnrolledAt" = EXCLUDED."lastMdmEnrolledAt", "lastMdmCheckedInAt" = EXCLUDED."lastMdmCheckedInAt",
         "mdmEnrollmentStatus" = EXCLUDED."mdmEnrollmentStatus", "everMdmEnrolled" = EXCLUDED."everMdmEnrolled",
         "teamName" = EXCLUDED."teamName", "snapshotHash" = EXCLUDED."snapshotHash", "missingFromFleetAt" = NULL,
         "detailsFetchedAt" = COALESCE(EXCLUDED."detailsFetchedAt", "Device"."detailsFetchedAt"),
         "detailsKey" = COALESCE(EXCLUDED."detailsKey", "Device"."detailsKey"),
         "updatedAt" = EXCLUDED."updatedAt"`,
      [
        writes.map((w) => w.fleetHostId),
        writes.map((w) => w.uuid),
        writes.map((w) => w.serial),
        writes.map((w) => w.name),
        writes.map((w) => w.platform),
        writes.map((w) => w.osVersion),
        writes.map((w) => w.ownerEmail),
        writes.map((w) => w.status),
        writes.map((w) => w.problemsJson),
        writes.map((w) => w.seenTime),
        writes.map((w) => w.detailUpdatedAt),
        writes.map((w) => w.lastEnrolledAt),
        writes.map((w) => w.lastMdmEnrolledAt),
        writes.map((w) => w.lastMdmCheckedInAt),
        writes.map((w) => w.mdmEnrollmentStatus),
        writes.map((w) => w.everMdmEnrolled),
        writes.map((w) => w.teamName),
        writes.map((w) => w.snapshotHash),
        writes.map((w) => w.detailsKey),
        ts(now),
      ],
    );
    const transitions = writes.filter(isTransition);
    if (transitions.length === 0) return { maxSeq: null, transitions: 0 };
    await lockStatusEventWriters(tx);
    const [inserted] = await tx.query<{ max: string | null; n: number }>(
      `WITH inserted AS (
         INSERT INTO "StatusEvent" ("deviceId", "from", "to", reasons, at, "syncRunId")
         SELECT d.id, e.from_status::"EnrollmentStatus", e.to_status::"EnrollmentStatus", e.reasons::jsonb,
                $5::timestamp(3), $6::uuid
         FROM unnest($1::int[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY
           AS e(host, from_status, to_status, reasons, n)
         JOIN "Device" d ON d."fleetHostId" = e.host
         ORDER BY e.n
         RETURNING seq)
       SELECT max(seq)::text AS max, count(*)::int AS n FROM inserted`,
      [
        transitions.map((w) => w.fleetHostId),
        transitions.map((w) => w.previousStatus),
        transitions.map((w) => w.status),
        transitions.map((w) => w.problemsJson),
        ts(now),
        syncRunId,
      ],
    );
    return { maxSeq: inserted?.max ? BigInt(inserted.max) : null, transitions: inserted?.n ?? 0 };
  });
}

/**
 * Creates the employees the writes name that are new, and records names learnt from host details,
 * once per sync (in chunks) rather than in every device batch.
 */
export async function upsertOwners(conn: SqlConnection, writes: DeviceWrite[]): Promise<void> {
  const owners = new Map<string, string | null>();
  for (const w of writes) {
    const email = w.ownerEmail;
    if (email && (!owners.has(email) || (owners.get(email) === null && w.ownerName))) {
      owners.set(email, w.ownerName);
    }
  }
  const emails = [...owners.keys()].sort();
  for (let i = 0; i < emails.length; i += 5000) {
    const chunk = emails.slice(i, i + 5000);
    // An existing employee is rewritten only when details brought a name it did not have.
    await conn.query(
      `INSERT INTO "Employee" (id, email, name, "createdAt", "updatedAt")
       SELECT o.id, o.email, o.name, now(), now()
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS o(id, email, name)
       ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, "updatedAt" = now()
         WHERE EXCLUDED.name IS NOT NULL AND "Employee".name IS DISTINCT FROM EXCLUDED.name`,
      [chunk.map(() => randomUUID()), chunk, chunk.map((e) => owners.get(e) ?? null)],
    );
  }
}

/** The row ids of devices, for services that act on rows (unenrolment). */
export async function deviceIdsOf(conn: SqlConnection, fleetHostIds: number[]): Promise<string[]> {
  if (fleetHostIds.length === 0) return [];
  const rows = await conn.query<{ id: string }>(
    `SELECT d.id FROM unnest($1::int[]) WITH ORDINALITY AS h(host, n)
     JOIN "Device" d ON d."fleetHostId" = h.host ORDER BY h.n`,
    [fleetHostIds],
  );
  return rows.map((r) => r.id);
}

/** Hosts Fleet no longer lists are marked, never deleted: their history stays. */
export async function markMissingFromFleet(conn: SqlConnection, fleetHostIds: number[], now: Date): Promise<void> {
  if (fleetHostIds.length === 0) return;
  await conn.query(
    `UPDATE "Device" SET "missingFromFleetAt" = $2::timestamp(3), "updatedAt" = $2::timestamp(3)
     WHERE "fleetHostId" = ANY($1::int[]) AND "missingFromFleetAt" IS NULL`,
    [fleetHostIds, ts(now)],
  );
}

/** Details fetched for devices that needed no other write: remember when, so they are reused. */
export async function markDetailsFetched(
  conn: SqlConnection,
  refreshed: { fleetHostId: number; key: string }[],
  now: Date,
): Promise<void> {
  if (refreshed.length === 0) return;
  await conn.query(
    `UPDATE "Device" AS d SET "detailsFetchedAt" = $3::timestamp(3), "detailsKey" = r.key
     FROM unnest($1::int[], $2::text[]) AS r(host, key) WHERE d."fleetHostId" = r.host`,
    [refreshed.map((r) => r.fleetHostId), refreshed.map((r) => r.key), ts(now)],
  );
}
