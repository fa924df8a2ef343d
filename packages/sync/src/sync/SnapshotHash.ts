import type { Problem } from "../engine/vocabulary.ts";
import type { FleetHostRecord } from "../fleet/FleetHostRecord.ts";

const HOUR_MS = 3_600_000;

/**
 * Fleet moves seen_time and detail_updated_at every few minutes for every healthy host. Statuses are
 * always computed from the fresh values; the stored copies only feed the dashboard's "last seen",
 * so they are rewritten when they move by an hour or the status, problems or identity change.
 * Without this, every sync would rewrite every device.
 */
export function hourOf(time: Date | null): number | null {
  return time === null ? null : Math.floor(time.getTime() / HOUR_MS);
}

export function epochMs(time: Date | null): number | null {
  return time === null ? null : time.getTime();
}

/**
 * A problem list is fixed by each problem's status, likely causes and remediation (texts come from
 * the vocabulary), so this short key names it; serialising the whole list (all cause texts) for
 * every host of every sync cost more than evaluating the host. The hash below reads the same
 * characters without building the string; only a device that is written needs the key itself.
 */
export function problemsKey(problems: readonly Problem[]): string {
  let key = "";
  for (const p of problems) {
    key += `${p.status}:${p.remediation.kind}:`;
    for (const cause of p.causes) if (cause.likely) key += `${cause.code},`;
    key += ";";
  }
  return key;
}

/**
 * What a re-sync compares to decide that nothing changed. Not a security boundary, so a fast 53-bit
 * hash (cyrb53's mixing) replaces a cryptographic one, fed field by field (numbers as numbers, not
 * text) so that hashing 100,000 hosts builds no strings and no arrays. A collision could only hide a
 * change of non-status facts (status and problems are hashed too), with odds of 2^-53 per change.
 *
 * The value is cyrb53 over the field list [uuid, serial, name, osVersion, teamName, ownerEmail,
 * platform, hour(seen), hour(detail updated), last enrolled, MDM present (1/0), MDM status, last MDM
 * enrolled, hour(last MDM check-in), ever MDM enrolled (1/0), status, problemsKey]: stored hashes
 * from before it streamed the fields stay valid (a table test holds it to the list form). The
 * owner's name comes only with host details, fetched for a few hosts: it is kept (Employee upsert)
 * but not hashed, or every detail fetch would look like a change.
 */
export function snapshotHash(
  record: FleetHostRecord,
  status: string,
  problems: readonly Problem[],
  everMdmEnrolled: boolean,
): string {
  const s = record.snapshot;
  begin();
  text(record.uuid);
  text(record.serial);
  text(record.name);
  text(record.osVersion);
  text(record.teamName);
  text(record.ownerEmail);
  text(s.platform);
  num(hourOf(s.seenTime));
  num(hourOf(s.detailUpdatedAt));
  num(epochMs(s.lastEnrolledAt));
  num(s.mdm === null ? 0 : 1);
  text(s.mdm === null ? null : s.mdm.enrollmentStatus);
  num(epochMs(s.lastMdmEnrolledAt));
  num(hourOf(s.lastMdmCheckedInAt));
  num(everMdmEnrolled ? 1 : 0);
  text(status);
  // problemsKey's characters, without the string.
  for (const p of problems) {
    chars(p.status);
    unit(COLON);
    chars(p.remediation.kind);
    unit(COLON);
    for (const cause of p.causes) {
      if (!cause.likely) continue;
      chars(cause.code);
      unit(COMMA);
    }
    unit(SEMICOLON);
  }
  unit(END);
  // Decimal: V8 writes it several times faster than any other radix.
  return finish().toString();
}

/**
 * cyrb53 (bryc, public domain) over a list of fields, mixing numbers as two 32-bit halves instead of
 * their text. Each field ends with a marker no UTF-16 unit can take and "none" has its own, so
 * moving text from one field to the next or null becoming "" changes the hash. The list form is
 * the definition (and the test's reference); the sync streams the same units through the state below.
 */
export function cyrb53Fields(fields: readonly (string | number | null | undefined)[]): number {
  begin();
  for (const field of fields) {
    if (typeof field === "number") num(field);
    else text(field);
  }
  return finish();
}

const END = 0x7fff_fff1;
const NONE = 0x7fff_fff2;
const COLON = 0x3a;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;

// The two 32-bit halves live in a typed array: as object fields or closure variables, int32 values
// outside the small-integer range would be boxed on every character. One state per process is
// enough: a hash is computed start to end without awaiting.
const state = new Int32Array(2);

function begin(): void {
  state[0] = 0xdeadbeef;
  state[1] = 0x41c6ce57;
}

function unit(u: number): void {
  state[0] = Math.imul((state[0] as number) ^ u, 2654435761);
  state[1] = Math.imul((state[1] as number) ^ u, 1597334677);
}

function chars(field: string): void {
  let h1 = state[0] as number;
  let h2 = state[1] as number;
  for (let i = 0; i < field.length; i++) {
    const u = field.charCodeAt(i);
    h1 = Math.imul(h1 ^ u, 2654435761);
    h2 = Math.imul(h2 ^ u, 1597334677);
  }
  state[0] = h1;
  state[1] = h2;
}

function text(field: string | null | undefined): void {
  if (field === null || field === undefined) {
    unit(NONE);
    return;
  }
  chars(field);
  unit(END);
}

function num(field: number | null | undefined): void {
  if (field === null || field === undefined) {
    unit(NONE);
    return;
  }
  unit(field >>> 0);
  unit(Math.floor(field / 4294967296) >>> 0);
  unit(END);
}

function finish(): number {
  let h1 = state[0] as number;
  let h2 = state[1] as number;
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
