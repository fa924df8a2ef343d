/** JSON shapes served by the simulator, named as in Fleet's REST API (docs/fleet-api.md). */

export type MdmEnrollmentStatus =
  | "On (manual)"
  | "On (automatic)"
  | "On (personal)"
  | "On (manual - personal)"
  | "On (company-owned)"
  | "Pending"
  | "Off";

export interface FleetHostMdm {
  encryption_key_available: boolean;
  enrollment_status: MdmEnrollmentStatus | null;
  dep_profile_error: boolean;
  name: string;
  server_url: string | null;
  connected_to_fleet: boolean;
}

export interface FleetDeviceMapping {
  email: string;
  source: string;
}

export interface FleetEndUserEmail {
  email: string;
  source: string;
}

export interface FleetEndUser {
  idp_id: string;
  idp_username: string;
  idp_full_name: string;
  idp_groups: string[];
  idp_info_updated_at: string | null;
  other_emails: FleetEndUserEmail[];
}

export interface FleetHost {
  id: number;
  created_at: string;
  updated_at: string;
  detail_updated_at: string;
  last_enrolled_at: string;
  seen_time: string;
  refetch_requested: boolean;
  hostname: string;
  computer_name: string;
  display_name: string;
  uuid: string;
  hardware_serial: string;
  platform: string;
  os_version: string;
  osquery_version: string;
  orbit_version: string | null;
  distributed_interval: number;
  config_tls_refresh: number;
  primary_ip: string;
  team_id: number | null;
  team_name: string | null;
  status: "online" | "offline";
  mdm: FleetHostMdm | null;
  /** Present only when the list is asked for `device_mapping=true`; null when nobody is mapped. */
  device_mapping?: FleetDeviceMapping[] | null;
}

export interface FleetHostDetail extends Omit<FleetHost, "device_mapping"> {
  last_mdm_enrolled_at: string | null;
  last_mdm_checked_in_at: string | null;
  end_users: FleetEndUser[];
  device_mapping: FleetDeviceMapping[];
}

export interface FleetHostMdmResponse {
  enrollment_status: MdmEnrollmentStatus | null;
  server_url: string | null;
  name: string;
  id: number;
}

export interface FleetHostSummary {
  team_id?: number;
  totals_hosts_count: number;
  online_count: number;
  offline_count: number;
  mia_count: number;
  missing_30_days_count: number;
  new_count: number;
  all_linux_count: number;
  platforms: { platform: string; hosts_count: number }[];
}

export interface FleetMdmSummary {
  counts_updated_at: string;
  mobile_device_management_enrollment_status: {
    enrolled_manual_hosts_count: number;
    enrolled_automated_hosts_count: number;
    enrolled_personal_hosts_count: number;
    pending_hosts_count: number;
    unenrolled_hosts_count: number;
    hosts_count: number;
  };
  mobile_device_management_solution: { id: number; name: string; server_url: string; hosts_count: number }[];
}

export interface FleetErrorBody {
  message: string;
  errors: { name: string; reason: string }[];
}
