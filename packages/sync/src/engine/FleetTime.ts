/** A Fleet timestamp that is neither empty, Fleet's zero time, nor a valid RFC 3339 date-time. */
export class FleetTimeError extends Error {
  override readonly name = "FleetTimeError";

  constructor(readonly value: string) {
    super(
      `Fleet returned an unreadable timestamp: ${JSON.stringify(value)} (expected RFC 3339, e.g. 2025-06-02T08:09:41Z)`,
    );
  }
}

// Fleet is written in Go and serialises time.Time as RFC 3339, with up to nanosecond fractions.
// Stricter than Date.parse, which also accepts "March 1 2025" and silently rolls Feb 30 over to March.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses a Fleet timestamp. Returns null when Fleet has no value: null, absent, "" or Go's zero time
 * "0001-01-01T00:00:00Z" (Fleet writes the zero time for "never", e.g. a host that never checked
 * in). Any year-1 timestamp counts as the zero time, whatever its offset or fraction.
 * @throws FleetTimeError for any other string that is not a valid date-time.
 */
export function parseFleetTime(value: string | null | undefined): Date | null {
  if (value === null || value === undefined || value === "") return null;
  const fast = parsePlainUtc(value);
  if (fast !== undefined) return fast;
  const match = RFC3339.exec(value);
  if (!match) throw new FleetTimeError(value);
  // This runs for every timestamp of every host on every sync: read the parts once, build the
  // instant with Date.UTC, and check the calendar arithmetically (no second parse, no extra Dates).
  const year = Number(match[1]);
  if (year === 1) return null;
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw new FleetTimeError(value);
  }
  const fraction = match[7];
  const millis = fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0;
  const zone = match[8] ?? "Z";
  const offsetMinutes =
    zone === "Z" ? 0 : (zone[0] === "-" ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const utc = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  // Date.UTC reads years 0..99 as 1900..1999.
  if (year < 100) utc.setUTCFullYear(year);
  return offsetMinutes === 0 ? utc : new Date(utc.getTime() - offsetMinutes * 60_000);
}

/**
 * The form Fleet sends nearly always, "2025-06-02T08:09:41Z", read digit by digit: this runs for
 * three timestamps of every host on every sync, and the regular expression path costs several times
 * more. Anything else (fractions, offsets, a space, any stray character) is left to the full parser:
 * undefined means "not this form", null the zero time.
 */
function parsePlainUtc(value: string): Date | null | undefined {
  if (
    value.length !== 20 ||
    value.charCodeAt(4) !== DASH ||
    value.charCodeAt(7) !== DASH ||
    value.charCodeAt(10) !== LETTER_T ||
    value.charCodeAt(13) !== COLON ||
    value.charCodeAt(16) !== COLON ||
    value.charCodeAt(19) !== LETTER_Z
  ) {
    return undefined;
  }
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  if (year === 1) return null;
  // Years before 100 need the full parser's Date.UTC correction; Fleet never sends them but the zero time.
  if (year < 100) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw new FleetTimeError(value);
  }
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

const DASH = 0x2d;
const COLON = 0x3a;
const LETTER_T = 0x54;
const LETTER_Z = 0x5a;

/** The decimal number in `count` ASCII digits from `start`, or -1 if any is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 31;
}

// "On" followed optionally by a parenthesised mode: "On (manual)", "On (automatic)", "On (personal)",
// "On (manual - personal)", "On (company-owned)", and whatever mode a later Fleet version adds.
const MDM_ON = /^On(?: \(.*\))?$/;

/**
 * Whether Fleet's `mdm.enrollment_status` means the host is MDM-enrolled now. "Pending" (assigned in
 * Apple Business Manager, not yet enrolled), "Off" and null are not.
 */
export function isMdmOn(enrollmentStatus: string | null | undefined): boolean {
  if (enrollmentStatus === null || enrollmentStatus === undefined) return false;
  return MDM_ON.test(enrollmentStatus.trim());
}
