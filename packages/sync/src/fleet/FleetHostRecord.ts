import type { HostSnapshot } from "../engine/StatusEngine.ts";
import type { FleetHostDetail, FleetListHost } from "./FleetSchemas.ts";

/** One host as Enrollwatch keeps it: the engine's snapshot plus identity and ownership. */
export interface FleetHostRecord {
  fleetHostId: number;
  uuid: string | null;
  serial: string | null;
  name: string;
  osVersion: string | null;
  teamName: string | null;
  ownerEmail: string | null;
  ownerName: string | null;
  /** Whether host details (last MDM enrolment and check-in) were fetched for this host. */
  detailed: boolean;
  snapshot: HostSnapshot;
}

export function toHostRecord(host: FleetListHost | FleetHostDetail, detail?: FleetHostDetail): FleetHostRecord {
  const source = detail ?? host;
  const email = source.device_mapping?.find((m) => m.email)?.email ?? null;
  const ownerName = detail?.end_users?.find((u) => u.idp_full_name)?.idp_full_name ?? null;
  return {
    fleetHostId: source.id,
    uuid: source.uuid ?? null,
    serial: source.hardware_serial || null,
    name: source.display_name || source.computer_name || source.hostname,
    osVersion: source.os_version ?? null,
    teamName: source.team_name ?? null,
    ownerEmail: email ? email.toLowerCase() : null,
    ownerName,
    detailed: detail !== undefined,
    snapshot: {
      platform: source.platform,
      seenTime: source.seen_time ?? null,
      detailUpdatedAt: source.detail_updated_at ?? null,
      lastEnrolledAt: source.last_enrolled_at ?? null,
      mdm: source.mdm ? { enrollmentStatus: source.mdm.enrollment_status ?? null } : null,
      lastMdmEnrolledAt: detail?.last_mdm_enrolled_at ?? null,
      lastMdmCheckedInAt: detail?.last_mdm_checked_in_at ?? null,
    },
  };
}
