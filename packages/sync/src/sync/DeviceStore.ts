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

/** Which stored devices to read: one host, or a range of hosts in id order. */
export type DeviceStateSelection = { fleetHostId: number } | { afterFleetHostId: number; limit: number };

/**
 * Stored devices' states, read as one JSON document: PGlite decodes row sets slowly, and one text
 * value parses several times faster than thousands of rows (on PostgreSQL too). Timestamps are
 * costly to format, so the ones most devices never have come in a nested array only when one is
 * set. Ranges come in fleetHostId order, the order Fleet pages in.
 */
export async function loadDeviceStates(
  conn: SqlConnection,
  selection: DeviceStateSelection,
): Promise<StoredDeviceState[]> {
  const rows =
    "fleetHostId" in selection
      ? { sql: `SELECT * FROM "Device" WHERE "fleetHostId" = $1`, params: [selection.fleetHostId] }
      : {
          sql: `SELECT * FROM "Device" WHERE "fleetHostId" > $1 ORDER BY "fleetHostId" LIMIT $2`,
          params: [selection.afterFleetHostId, selection.limit],
        };
  const [row] = await conn.query<{ states: string | null }>(
    `SELECT json_agg(json_build_array("fleetHostId", status, "everMdmEnrolled", "snapshotHash",
              CASE WHEN "purgedAt" IS NOT NULL OR "purgedBy" IS NOT NULL OR "lastMdmEnrolledAt" IS NOT NULL
                     OR "lastMdmCheckedInAt" IS NOT NULL OR "missingFromFleetAt" IS NOT NULL
                     OR "detailsFetchedAt" IS NOT NULL OR "detailsKey" IS NOT NULL
                   THEN json_build_array(${epoch('"purgedAt"')}, "purgedBy", ${epoch('"lastMdmEnrolledAt"')},
                     ${epoch('"lastMdmCheckedInAt"')}, ${epoch('"missingFromFleetAt"')}, ${epoch('"detailsFetchedAt"')},
                     "detailsKey") END) ORDER BY "fleetHostId")::text AS states
       FROM (${rows.sql}) AS d`,
    rows.params,
  );
  const tuples = JSON.parse(row?.states ?? "[]") as StateTuple[];
  const date = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms));
  return tuples.map(([fleetHostId, status, everMdmEnrolled, snapshotHash, rare]): StoredDeviceState => {
    const purgedBy = rare?.[1];
    return {
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
    };
  });
}

export interface BatchResult {
  /** Highest StatusEvent seq written, if any transition was. */
  maxSeq: bigint | null;
  transitions: number;
}

/**
 * The columns of SyncStagedDevice, in order: staged rows and in-memory writes are read by the same
 * statements through a source with these names (see `writesSource`).
 */
const STAGED_COLUMNS = [
  ["ord", "int", (_w: DeviceWrite, i: number) => i],
  ["fleetHostId", "int", (w: DeviceWrite) => w.fleetHostId],
  ["uuid", "text", (w: DeviceWrite) => w.uuid],
  ["serial", "text", (w: DeviceWrite) => w.serial],
  ["name", "text", (w: DeviceWrite) => w.name],
  ["platform", "text", (w: DeviceWrite) => w.platform],
  ["osVersion", "text", (w: DeviceWrite) => w.osVersion],
  ["ownerEmail", "text", (w: DeviceWrite) => w.ownerEmail],
  ["ownerName", "text", (w: DeviceWrite) => w.ownerName],
  ["status", "text", (w: DeviceWrite) => w.status],
  ["problems", "text", (w: DeviceWrite) => w.problemsJson],
  ["everMdmEnrolled", "bool", (w: DeviceWrite) => w.everMdmEnrolled],
  ["snapshotHash", "text", (w: DeviceWrite) => w.snapshotHash],
  ["detailsKey", "text", (w: DeviceWrite) => w.detailsKey],
  ["seenTime", "bigint", (w: DeviceWrite) => w.seenTime],
  ["detailUpdatedAt", "bigint", (w: DeviceWrite) => w.detailUpdatedAt],
  ["lastEnrolledAt", "bigint", (w: DeviceWrite) => w.lastEnrolledAt],
  ["lastMdmEnrolledAt", "bigint", (w: DeviceWrite) => w.lastMdmEnrolledAt],
  ["lastMdmCheckedInAt", "bigint", (w: DeviceWrite) => w.lastMdmCheckedInAt],
  ["mdmEnrollmentStatus", "text", (w: DeviceWrite) => w.mdmEnrollmentStatus],
  ["teamName", "text", (w: DeviceWrite) => w.teamName],
  ["previousStatus", "text", (w: DeviceWrite) => w.previousStatus],
] as const;

const STAGED_COLUMN_NAMES = STAGED_COLUMNS.map(([name]) => `"${name}"`).join(", ");

/**
 * In-memory writes as a row source named like SyncStagedDevice (`ord` = position + `firstOrd`):
 * one array parameter per column, so a batch of thousands is one statement.
 */
function writesSource(writes: DeviceWrite[], firstOrd = 0): { sql: string; params: unknown[] } {
  const arrays = STAGED_COLUMNS.map(([, type], n) => `$${n + 1}::${type}[]`).join(", ");
  return {
    sql: `unnest(${arrays}) AS s(${STAGED_COLUMN_NAMES})`,
    params: STAGED_COLUMNS.map(([, , value]) => writes.map((w, i) => value(w, firstOrd + i))),
  };
}

/**
 * Upserts the devices of `source` (rows named like SyncStagedDevice, alias `s`). Owners must exist
 * already (upsertOwners): devices find them by e-mail. A status that stays the same keeps its start
 * time; a new row gets its id here. `$now` is the parameter holding the sync's time.
 *
 * A write was decided from the status the device had when its state was read (`previousStatus`,
 * null for a device not stored then). If the row no longer has that status, someone changed it
 * since (an admin unenrolled it while the sync was still paging Fleet, an employee's "check again"
 * wrote it): the write is dropped rather than undo their change, and the next sync decides again.
 * The rows are locked first, so a change committed while this statement waits is seen too.
 */
function upsertDevicesSql(source: string, now: string): string {
  return `INSERT INTO "Device" (id, "fleetHostId", uuid, serial, name, platform, "osVersion", "ownerId", status,
       "statusSince", problems, "seenTime", "detailUpdatedAt", "lastEnrolledAt", "lastMdmEnrolledAt",
       "lastMdmCheckedInAt", "mdmEnrollmentStatus", "everMdmEnrolled", "teamName", "snapshotHash",
       "missingFromFleetAt", "detailsFetchedAt", "detailsKey", "createdAt", "updatedAt")
     SELECT gen_random_uuid(), s."fleetHostId", s.uuid, s.serial, s.name, s.platform, s."osVersion", e.id,
       s.status::"EnrollmentStatus", ${now}::timestamp(3), s.problems::jsonb, ${fromEpochMs('s."seenTime"')},
       ${fromEpochMs('s."detailUpdatedAt"')}, ${fromEpochMs('s."lastEnrolledAt"')}, ${fromEpochMs('s."lastMdmEnrolledAt"')},
       ${fromEpochMs('s."lastMdmCheckedInAt"')}, s."mdmEnrollmentStatus", s."everMdmEnrolled", s."teamName",
       s."snapshotHash", NULL, CASE WHEN s."detailsKey" IS NULL THEN NULL ELSE ${now}::timestamp(3) END,
       s."detailsKey", ${now}::timestamp(3), ${now}::timestamp(3)
     FROM ${source}
     LEFT JOIN LATERAL (
       SELECT d.status::text AS status FROM "Device" d WHERE d."fleetHostId" = s."fleetHostId" FOR UPDATE
     ) AS stored ON true
     LEFT JOIN "Employee" e ON e.email = s."ownerEmail"
     WHERE stored.status IS NOT DISTINCT FROM s."previousStatus"
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
       "updatedAt" = EXCLUDED."updatedAt"`;
}

/**
 * Runs upsertDevicesSql on `conn` and answers how many devices it wrote (the writes it dropped are
 * not counted). `now` names the parameter holding the sync's time among `params`.
 */
async function upsertDevices(conn: SqlConnection, source: string, now: string, params: unknown[]): Promise<number> {
  const [upserted] = await conn.query<{ n: number }>(
    `WITH upserted AS (${upsertDevicesSql(source, now)} RETURNING 1) SELECT count(*)::int AS n FROM upserted`,
    params,
  );
  return upserted?.n ?? 0;
}

/**
 * One StatusEvent per transition of `source`, in `ord` order, for the devices whose rows hold the
 * write (upsertDevicesSql drops a stale one); returns the highest seq and the count.
 */
function insertEventsSql(source: string, now: string, syncRunId: string): string {
  return `WITH inserted AS (
       INSERT INTO "StatusEvent" ("deviceId", "from", "to", reasons, at, "syncRunId")
       SELECT d.id, s."previousStatus"::"EnrollmentStatus", s.status::"EnrollmentStatus", s.problems::jsonb,
              ${now}::timestamp(3), ${syncRunId}::uuid
       FROM ${source}
       JOIN "Device" d ON d."fleetHostId" = s."fleetHostId"
         AND d.status = s.status::"EnrollmentStatus" AND d."updatedAt" = ${now}::timestamp(3)
       WHERE s."previousStatus" IS DISTINCT FROM s.status
       ORDER BY s.ord
       RETURNING seq)
     SELECT max(seq)::text AS max, count(*)::int AS n FROM inserted`;
}

function batchResult(row: { max: string | null; n: number } | undefined): BatchResult {
  return { maxSeq: row?.max ? BigInt(row.max) : null, transitions: row?.n ?? 0 };
}

/**
 * Writes a few devices in one transaction (the employee's "check again"): devices, and one
 * StatusEvent per transition. A sync stages its writes instead (stageDeviceWrites).
 */
export async function writeDeviceBatch(
  conn: SqlConnection,
  writes: DeviceWrite[],
  syncRunId: string | null,
  now: Date,
): Promise<BatchResult & { written: number }> {
  if (writes.length === 0) return { maxSeq: null, transitions: 0, written: 0 };
  const source = writesSource(writes);
  const next = source.params.length;
  return conn.transaction(async (tx) => {
    const written = await upsertDevices(tx, source.sql, `$${next + 1}`, [...source.params, ts(now)]);
    if (written === 0 || !writes.some(isTransition)) return { maxSeq: null, transitions: 0, written };
    await lockStatusEventWriters(tx);
    const [row] = await tx.query<{ max: string | null; n: number }>(
      insertEventsSql(source.sql, `$${next + 1}`, `$${next + 2}`),
      [...source.params, ts(now), syncRunId],
    );
    return { ...batchResult(row), written };
  });
}

/**
 * Upserts `writes` with their owners on `conn`, in whatever transaction it holds, recording no
 * events: a sync on PostgreSQL writes its devices this way as it decides them, inside the one
 * transaction it commits at the end (DeviceWriteTransaction).
 */
export async function upsertDeviceWrites(conn: SqlConnection, writes: DeviceWrite[], now: Date): Promise<number> {
  if (writes.length === 0) return 0;
  // Owners need two columns only: no need to send the other twenty arrays twice.
  await conn.query(upsertOwnersSql(`unnest($1::text[], $2::text[]) AS s("ownerEmail", "ownerName")`), [
    writes.map((w) => w.ownerEmail),
    writes.map((w) => w.ownerName),
  ]);
  const source = writesSource(writes);
  return upsertDevices(conn, source.sql, `$${source.params.length + 1}`, [...source.params, ts(now)]);
}

/** A status transition a sync decided, kept until its events are inserted. */
export interface Transition {
  fleetHostId: number;
  from: EnrollmentStatus | null;
  to: EnrollmentStatus;
  /** Interned (see DeviceWrite.problemsJson): a fleet's transitions share a few dozen strings. */
  problemsJson: string;
}

/**
 * One StatusEvent per transition, in the order given, for devices already written on `conn`. The
 * caller holds the event-writer lock (lockStatusEventWriters) in the same transaction.
 */
export async function insertTransitionEvents(
  conn: SqlConnection,
  transitions: Transition[],
  syncRunId: string,
  now: Date,
): Promise<BatchResult> {
  if (transitions.length === 0) return { maxSeq: null, transitions: 0 };
  const source = `unnest($1::int[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY
    AS s("fleetHostId", "previousStatus", status, problems, ord)`;
  const [row] = await conn.query<{ max: string | null; n: number }>(insertEventsSql(source, "$5", "$6"), [
    transitions.map((t) => t.fleetHostId),
    transitions.map((t) => t.from),
    transitions.map((t) => t.to),
    transitions.map((t) => t.problemsJson),
    ts(now),
    syncRunId,
  ]);
  return batchResult(row);
}

/** Stages a sync's writes while it is still fetching, numbered from `firstOrd` in decision order. */
export async function stageDeviceWrites(conn: SqlConnection, writes: DeviceWrite[], firstOrd: number): Promise<void> {
  if (writes.length === 0) return;
  const source = writesSource(writes, firstOrd);
  await conn.query(
    `INSERT INTO "SyncStagedDevice" (${STAGED_COLUMN_NAMES}) SELECT ${STAGED_COLUMN_NAMES} FROM ${source.sql}`,
    source.params,
  );
}

/**
 * Empties the stage: before a sync (what a crashed one left), after it merged, after it failed.
 * TRUNCATE, not DELETE: a DELETE of 100,000 rows leaves as many dead ones for the next sync to
 * step over. Only the sync leader touches the table, so its exclusive lock blocks nobody.
 */
export async function clearStagedWrites(conn: SqlConnection): Promise<void> {
  await conn.query(`TRUNCATE "SyncStagedDevice"`);
}

/**
 * Applies the staged writes numbered [fromOrd, toOrd) to Device in one transaction, with one
 * StatusEvent per transition. The rows stay staged until the sync empties the stage.
 */
export async function mergeStagedWrites(
  conn: SqlConnection,
  fromOrd: number,
  toOrd: number,
  hasTransitions: boolean,
  syncRunId: string,
  now: Date,
): Promise<BatchResult & { written: number }> {
  const source = `(SELECT * FROM "SyncStagedDevice" WHERE ord >= $1 AND ord < $2) AS s`;
  return conn.transaction(async (tx) => {
    const written = await upsertDevices(tx, source, "$3", [fromOrd, toOrd, ts(now)]);
    let result: BatchResult = { maxSeq: null, transitions: 0 };
    if (hasTransitions && written > 0) {
      await lockStatusEventWriters(tx);
      const [row] = await tx.query<{ max: string | null; n: number }>(insertEventsSql(source, "$3", "$4"), [
        fromOrd,
        toOrd,
        ts(now),
        syncRunId,
      ]);
      result = batchResult(row);
    }
    return { ...result, written };
  });
}

/**
 * Creates the employees that `source` (rows named like SyncStagedDevice, alias `s`) names and that
 * are new; an existing employee is rewritten only when host details brought a name it lacked.
 */
function upsertOwnersSql(source: string): string {
  return `INSERT INTO "Employee" (id, email, name, "createdAt", "updatedAt")
     SELECT gen_random_uuid(), s."ownerEmail", max(s."ownerName"), now(), now()
     FROM ${source} WHERE s."ownerEmail" IS NOT NULL GROUP BY s."ownerEmail"
     ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, "updatedAt" = now()
       WHERE EXCLUDED.name IS NOT NULL AND "Employee".name IS DISTINCT FROM EXCLUDED.name`;
}

/** The owners of a few in-memory writes (writeDeviceBatch needs them first). */
export async function upsertOwners(conn: SqlConnection, writes: DeviceWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const source = writesSource(writes);
  await conn.query(upsertOwnersSql(source.sql), source.params);
}

/** The owners of every staged write, once per sync before the merge. */
export async function upsertStagedOwners(conn: SqlConnection): Promise<void> {
  await conn.query(upsertOwnersSql(`"SyncStagedDevice" AS s`));
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
