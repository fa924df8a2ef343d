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
  const match = RFC3339.exec(value);
  if (!match) throw new FleetTimeError(value);
  const [, year, month, day, hour, minute, second] = match.map(Number);
  if (year === 1) return null;
  if (
    year === undefined ||
    month === undefined ||
    day === undefined ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour === undefined ||
    hour > 23 ||
    minute === undefined ||
    minute > 59 ||
    second === undefined ||
    second > 59
  ) {
    throw new FleetTimeError(value);
  }
  const millis = Date.parse(value);
  if (Number.isNaN(millis)) throw new FleetTimeError(value);
  return new Date(millis);
}

function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one; UTC avoids any local DST shift.
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
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
