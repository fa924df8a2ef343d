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
}

export interface DeviceRow {
  id: string;
  name: string;
  serial: string | null;
  platform: string;
  osVersion: string | null;
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
      edges { node { id name serial platform osVersion status statusSince lastSeenAt owner { email name } } }
    }
  }
`);
