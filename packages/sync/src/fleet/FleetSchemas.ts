import { z } from "zod";
import { FleetTimeError, parseFleetTime } from "../engine/FleetTime.ts";

/**
 * The parts of Fleet's responses Enrollwatch relies on (docs/fleet-api.md), validated strictly:
 * a response that does not match fails the whole fetch rather than flipping devices on bad data.
 * Unknown extra fields are allowed, as Fleet adds fields between versions.
 *
 * Timestamps are checked as strings by zod and then parsed by `parseListHostTimes` / `parseHostDetailTimes` (strict RFC 3339,
 * Go's zero time as null), not by a zod transform: a transform per timestamp costs ~3× the whole
 * object check, and this runs for every host of every sync.
 */
const wireTime = z.string().nullable().optional();

const HostMdmSchema = z
  .object({
    enrollment_status: z.string().nullable().optional(),
    server_url: z.string().nullable().optional(),
    name: z.string().nullable().optional(),
  })
  .nullable()
  .optional();

const DeviceMappingSchema = z
  .array(z.object({ email: z.string(), source: z.string().optional() }))
  .nullable()
  .optional();

const FleetListHostWireSchema = z.object({
  id: z.number().int().positive(),
  uuid: z.string().nullable().optional(),
  hardware_serial: z.string().nullable().optional(),
  hostname: z.string(),
  computer_name: z.string().nullable().optional(),
  display_name: z.string().nullable().optional(),
  platform: z.string().min(1),
  os_version: z.string().nullable().optional(),
  team_name: z.string().nullable().optional(),
  seen_time: wireTime,
  detail_updated_at: wireTime,
  last_enrolled_at: wireTime,
  mdm: HostMdmSchema,
  device_mapping: DeviceMappingSchema,
});

export const FleetHostListResponseSchema = z.object({ hosts: z.array(FleetListHostWireSchema) });

export const FleetHostDetailResponseSchema = z.object({
  host: FleetListHostWireSchema.extend({
    last_mdm_enrolled_at: wireTime,
    last_mdm_checked_in_at: wireTime,
    end_users: z
      .array(z.object({ idp_full_name: z.string().nullable().optional() }))
      .nullable()
      .optional(),
  }),
});

export const FleetCountResponseSchema = z.object({ count: z.number().int().nonnegative() });

const LIST_TIMES = ["seen_time", "detail_updated_at", "last_enrolled_at"] as const;
const DETAIL_TIMES = [...LIST_TIMES, "last_mdm_enrolled_at", "last_mdm_checked_in_at"] as const;
type ListTime = (typeof LIST_TIMES)[number];
type DetailTime = (typeof DETAIL_TIMES)[number];

type WireListHost = z.output<typeof FleetListHostWireSchema>;
type WireHostDetail = z.output<typeof FleetHostDetailResponseSchema>["host"];
export type FleetListHost = Omit<WireListHost, ListTime> & { [K in ListTime]: Date | null };
export type FleetHostDetail = Omit<WireHostDetail, DetailTime> & { [K in DetailTime]: Date | null };

/** A timestamp Fleet sent that is not a date-time; `path` says where, as zod issues do. */
export class FleetTimeFieldError extends Error {
  override readonly name = "FleetTimeFieldError";
  constructor(
    readonly path: string,
    cause: FleetTimeError,
  ) {
    super(`${path}: ${cause.message}`);
  }
}

/**
 * Replaces a validated host's timestamp strings by Dates (null for "never"), in place: the wire
 * object is the client's own, fresh from JSON.parse, and copying it would cost an allocation per
 * host per sync. `path` names the host in errors, e.g. "hosts.17".
 */
function parseTimesInPlace<T extends Record<string, unknown>>(host: T, fields: readonly string[], path: string): void {
  const record = host as Record<string, unknown>;
  for (const field of fields) {
    try {
      record[field] = parseFleetTime(record[field] as string | null | undefined);
    } catch (error) {
      if (error instanceof FleetTimeError) throw new FleetTimeFieldError(`${path}.${field}`, error);
      throw error;
    }
  }
}

export function parseListHostTimes(hosts: WireListHost[]): FleetListHost[] {
  hosts.forEach((host, i) => {
    parseTimesInPlace(host, LIST_TIMES, `hosts.${i}`);
  });
  return hosts as unknown as FleetListHost[]; // every time field was just replaced by Date | null
}

export function parseHostDetailTimes(host: WireHostDetail): FleetHostDetail {
  parseTimesInPlace(host, DETAIL_TIMES, "host");
  return host as unknown as FleetHostDetail; // every time field was just replaced by Date | null
}
