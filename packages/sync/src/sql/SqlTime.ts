/**
 * Prisma `DateTime` columns are `timestamp(3)` holding UTC wall time. Raw SQL must write and read
 * them the same way whatever the server's or the driver's time zone: write ISO without the zone
 * suffix, read epoch milliseconds.
 */

/** A Date as a `timestamp(3)` parameter. */
export function ts(value: Date | null): string | null {
  return value === null ? null : value.toISOString().replace("Z", "");
}

/** SQL reading a `timestamp(3)` column as epoch milliseconds (bigint). */
export function epoch(column: string): string {
  return `(extract(epoch from ${column} AT TIME ZONE 'UTC') * 1000)::bigint`;
}

/** An epoch-milliseconds value read by `epoch()` (drivers give bigint as string) as a Date. */
export function dateFromEpoch(value: string | number | null): Date | null {
  return value === null ? null : new Date(Number(value));
}

/**
 * SQL turning an epoch-milliseconds bigint into a `timestamp(3)` (UTC wall time), exactly: integer
 * milliseconds added to the epoch, no floating point and no session time zone involved.
 */
export function fromEpochMs(expression: string): string {
  return `(timestamp '1970-01-01 00:00:00' + ${expression} * interval '1 millisecond')::timestamp(3)`;
}
