import { gql } from "@urql/core";
import type { EnrollmentStatus } from "./status.ts";

/** What the dashboard needs of each status event: the row update, the feed line, the chart delta. */
export interface LiveStatusEvent {
  seq: string;
  at: string;
  from: EnrollmentStatus | null;
  to: EnrollmentStatus;
  device: {
    id: string;
    name: string;
    serial: string | null;
    platform: string;
    team: string | null;
    status: EnrollmentStatus;
    statusSince: string;
    lastSeenAt: string | null;
  };
}

/** Sent straight over graphql-ws (not urql): the feed re-subscribes with a new afterSeq itself. */
export const LIVE_STATUS_EVENTS = `subscription LiveStatusEvents($afterSeq: String) {
  statusEvents(afterSeq: $afterSeq) {
    seq at from to
    device { id name serial platform team status statusSince lastSeenAt }
  }
}`;

export interface StatusCount {
  status: EnrollmentStatus;
  count: number;
}
export interface StatusSummary {
  total: number;
  counts: StatusCount[];
}

export const StatusSummaryQuery = gql<{ statusSummary: StatusSummary }, Record<string, never>>(
  `query StatusSummary { statusSummary { total counts { status count } } }`,
);

export const StatusSummarySubscription = gql<{ statusSummary: StatusSummary }, Record<string, never>>(
  `subscription LiveStatusSummary { statusSummary { total counts { status count } } }`,
);

export interface SettingsData {
  syncIntervalMinutes: number;
  agentInactiveAfterHours: number;
  offlineAfterDays: number;
  autoUnenrollEnabled: boolean;
  autoUnenrollAfterDays: number;
  autoUnenrollMaxPercent: number;
  resendInvitationOnUnenroll: boolean;
  apnsCertificateExpiresAt: string | null;
}

export const SETTINGS_FIELDS = `syncIntervalMinutes agentInactiveAfterHours offlineAfterDays autoUnenrollEnabled
  autoUnenrollAfterDays autoUnenrollMaxPercent resendInvitationOnUnenroll apnsCertificateExpiresAt`;

/** The current settings first, then after every change: the shell's APNs banner reads it. */
export const SettingsSubscription = gql<{ settings: SettingsData }, Record<string, never>>(
  `subscription LiveSettings { settings { ${SETTINGS_FIELDS} } }`,
);
