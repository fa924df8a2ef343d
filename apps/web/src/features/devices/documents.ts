import { gql } from "@urql/core";
import type { EnrollmentStatus } from "../../lib/status.ts";

export const DEVICE_ORDERS = [
  "NAME_ASC",
  "NAME_DESC",
  "SERIAL_ASC",
  "PLATFORM_ASC",
  "STATUS_SINCE_DESC",
  "STATUS_SINCE_ASC",
] as const;
export type DeviceOrderBy = (typeof DEVICE_ORDERS)[number];

export interface DeviceFilter {
  status?: EnrollmentStatus[];
  platform?: string[];
  search?: string;
  /** Fleet team names; null selects the devices in no team. */
  team?: (string | null)[];
}

export interface DeviceRow {
  id: string;
  name: string;
  serial: string | null;
  platform: string;
  osVersion: string | null;
  team: string | null;
  status: EnrollmentStatus;
  statusSince: string;
  lastSeenAt: string | null;
  owner: { email: string; name: string | null } | null;
}

export interface DevicePageResult {
  devices: {
    totalCount?: number;
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
    edges: { node: DeviceRow }[];
  };
}

export interface DevicePageVariables {
  first: number;
  after: string | null;
  filter: DeviceFilter | null;
  orderBy: DeviceOrderBy;
  /** totalCount costs a COUNT over the filter: asked for on the first page only. */
  withTotal: boolean;
}

// `first` travels as a variable; pages are at most 500 (the server's maxSize).
export const DevicePageQuery = gql<DevicePageResult, DevicePageVariables>(`
  query DevicePage($first: Int!, $after: String, $filter: DeviceFilter, $orderBy: DeviceOrderBy, $withTotal: Boolean!) {
    devices(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
      totalCount @include(if: $withTotal)
      pageInfo { endCursor hasNextPage }
      edges { node { id name serial platform osVersion team status statusSince lastSeenAt owner { email name } } }
    }
  }
`);

export type BulkMessageKind = "ENROLLMENT_INVITATION" | "AGENT_DOWNLOAD_LINK" | "MACOS_PROFILE_GUIDE";

export interface BulkRemediationPlan {
  fingerprint: string;
  devices: number;
  limit: number;
  overLimit: boolean;
  messages: number;
  recipients: number;
  byKind: { kind: BulkMessageKind; count: number }[];
  skippedEnrolled: number;
  skippedNoMessage: number;
  skippedNoOwner: number;
  skippedRecentlySent: number;
  /** The first messages by device name. */
  sample: {
    deviceId: string;
    deviceName: string;
    recipient: string;
    recipientName: string | null;
    kind: BulkMessageKind;
  }[];
}

const PLAN_FIELDS =
  "fingerprint devices limit overLimit messages recipients byKind { kind count } skippedEnrolled skippedNoMessage skippedNoOwner skippedRecentlySent sample { deviceId deviceName recipient recipientName kind }";

export interface BulkRemediationArgs {
  filter: DeviceFilter | null;
  /** null: each device's recommended message. */
  kind: BulkMessageKind | null;
  skipIfSentWithinHours: number;
}

export const BulkRemediationPlanQuery = gql<{ bulkRemediationPlan: BulkRemediationPlan }, BulkRemediationArgs>(`
  query BulkRemediationPlan($filter: DeviceFilter, $kind: MessageKind, $skipIfSentWithinHours: Int) {
    bulkRemediationPlan(filter: $filter, kind: $kind, skipIfSentWithinHours: $skipIfSentWithinHours) { ${PLAN_FIELDS} }
  }
`);

export const SendBulkRemediationMutation = gql<
  {
    sendBulkRemediation:
      | {
          __typename: "MutationSendBulkRemediationSuccess";
          data: { queued: number; auditEntryId: string; plan: BulkRemediationPlan };
        }
      | { __typename: "ForbiddenError" | "ValidationError" | "ConflictError"; message: string };
  },
  { input: BulkRemediationArgs & { expectedMessages: number; expectedFingerprint: string } }
>(`
  mutation SendBulkRemediation($input: BulkRemediationInput!) {
    sendBulkRemediation(input: $input) {
      __typename
      ... on MutationSendBulkRemediationSuccess { data { queued auditEntryId plan { ${PLAN_FIELDS} } } }
      ... on Error { message }
    }
  }
`);

export interface TeamCount {
  name: string | null;
  devices: number;
}

export const TeamsQuery = gql<{ teams: TeamCount[] }, Record<string, never>>("query Teams { teams { name devices } }");
