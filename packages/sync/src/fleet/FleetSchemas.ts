import { z } from "zod";
import { FleetTimeError, parseFleetTime } from "../engine/FleetTime.ts";

/**
 * The parts of Fleet's responses Enrollwatch relies on (docs/fleet-api.md), validated strictly:
 * a response that does not match fails the whole fetch rather than flipping devices on bad data.
 * Unknown extra fields are allowed, as Fleet adds fields between versions.
 */
const fleetTime = z
  .string()
  .nullable()
  .optional()
  .transform((value, ctx) => {
    try {
      return parseFleetTime(value);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: error instanceof FleetTimeError ? error.message : "invalid time" });
      return z.NEVER;
    }
  });

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

export const FleetListHostSchema = z.object({
  id: z.number().int().positive(),
  uuid: z.string().nullable().optional(),
  hardware_serial: z.string().nullable().optional(),
  hostname: z.string(),
  computer_name: z.string().nullable().optional(),
  display_name: z.string().nullable().optional(),
  platform: z.string().min(1),
  os_version: z.string().nullable().optional(),
  team_name: z.string().nullable().optional(),
  seen_time: fleetTime,
  detail_updated_at: fleetTime,
  last_enrolled_at: fleetTime,
  mdm: HostMdmSchema,
  device_mapping: DeviceMappingSchema,
});

export const FleetHostListResponseSchema = z.object({ hosts: z.array(FleetListHostSchema) });

export const FleetHostDetailResponseSchema = z.object({
  host: FleetListHostSchema.extend({
    last_mdm_enrolled_at: fleetTime,
    last_mdm_checked_in_at: fleetTime,
    end_users: z
      .array(z.object({ idp_full_name: z.string().nullable().optional() }))
      .nullable()
      .optional(),
  }),
});

export const FleetCountResponseSchema = z.object({ count: z.number().int().nonnegative() });

export type FleetListHost = z.infer<typeof FleetListHostSchema>;
export type FleetHostDetail = z.infer<typeof FleetHostDetailResponseSchema>["host"];
