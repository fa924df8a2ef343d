import { gql } from "@urql/core";
import type { EnrollmentStatus } from "../../lib/status.ts";

export interface Cause {
  code: string;
  text: string;
  likely: boolean;
}

export type RemediationKind =
  | "COMPLETE_ENROLLMENT"
  | "DOWNLOAD_AGENT"
  | "INSTALL_MACOS_PROFILE"
  | "REENROLL"
  | "RENEW_APNS_CERTIFICATE"
  | "RESEND_INVITATION";

export interface Problem {
  status: EnrollmentStatus;
  causes: Cause[];
  remediation: { kind: RemediationKind; text: string };
}

export interface HistoryEvent {
  seq: string;
  at: string;
  from: EnrollmentStatus | null;
  to: EnrollmentStatus;
  causes: Cause[];
  syncRunId: string | null;
}

export interface HistoryConnection {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { node: HistoryEvent }[];
}

export type MessageKind = "ENROLLMENT_INVITATION" | "AGENT_DOWNLOAD_LINK" | "MACOS_PROFILE_GUIDE";

export interface OutboundMessage {
  id: string;
  kind: MessageKind;
  recipient: string;
  subject: string;
  state: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface DeviceDetail {
  __typename: "Device";
  id: string;
  fleetHostId: number;
  name: string;
  serial: string | null;
  platform: string;
  osVersion: string | null;
  team: string | null;
  status: EnrollmentStatus;
  statusSince: string;
  lastSeenAt: string | null;
  agentDataAt: string | null;
  mdmEnrollment: string | null;
  missingFromFleetAt: string | null;
  owner: { email: string; name: string | null } | null;
  problems: Problem[];
  /** The messages that apply to the device's platform (no agent link to a phone). */
  messageKinds: MessageKind[];
  /** What the remedy for its status sends the owner, as the server decides it for bulk sends too. */
  recommendedMessage: MessageKind | null;
  history: HistoryConnection;
  activity: ActivityEntry[];
}

/** What people did with the device: messages sent, unenrolment, the owner's visits and checks. */
export interface ActivityEntry {
  id: string;
  actor: string;
  action: string;
  at: string;
  /** The entry's JSON details; a sent message's carry its `messageId`. */
  after: string | null;
}

const HISTORY_FIELDS = `pageInfo { hasNextPage endCursor } edges { node { seq at from to causes { code text likely } syncRunId } }`;
export const MESSAGE_FIELDS = `id kind recipient subject state attempts lastError createdAt sentAt`;

export const DeviceDetailQuery = gql<
  { node: DeviceDetail | { __typename: string } | null; outboundMessages: OutboundMessage[] },
  { id: string; historyFirst: number }
>(`query DeviceDetail($id: ID!, $historyFirst: Int) {
  node(id: $id) {
    __typename
    ... on Device {
      id fleetHostId name serial platform osVersion team status statusSince lastSeenAt agentDataAt mdmEnrollment
      missingFromFleetAt
      owner { email name }
      problems { status causes { code text likely } remediation { kind text } }
      messageKinds recommendedMessage
      history(first: $historyFirst) { ${HISTORY_FIELDS} }
      activity(first: 30) { id actor action at after }
    }
  }
  outboundMessages(deviceId: $id, first: 20) { ${MESSAGE_FIELDS} }
}`);

export const DeviceHistoryQuery = gql<
  { node: { __typename: "Device"; history: HistoryConnection } | { __typename: string } | null },
  { id: string; first: number; after: string }
>(`query DeviceHistory($id: ID!, $first: Int, $after: String) {
  node(id: $id) { __typename ... on Device { history(first: $first, after: $after) { ${HISTORY_FIELDS} } } }
}`);

type ErrorResult = { __typename: "ForbiddenError" | "ConflictError" | "NotFoundError"; message: string };

export const SendRemediationMutation = gql<
  { sendRemediation: { __typename: "MutationSendRemediationSuccess"; data: OutboundMessage } | ErrorResult },
  { deviceId: string; kind: MessageKind }
>(`mutation SendRemediation($deviceId: ID!, $kind: MessageKind!) {
  sendRemediation(deviceId: $deviceId, kind: $kind) {
    __typename
    ... on MutationSendRemediationSuccess { data { ${MESSAGE_FIELDS} } }
    ... on Error { message }
  }
}`);

export const UnenrollDeviceMutation = gql<
  {
    unenrollDevice:
      | { __typename: "MutationUnenrollDeviceSuccess"; data: { id: string; status: EnrollmentStatus } }
      | ErrorResult;
  },
  { deviceId: string }
>(`mutation UnenrollDevice($deviceId: ID!) {
  unenrollDevice(deviceId: $deviceId) {
    __typename
    ... on MutationUnenrollDeviceSuccess { data { id status } }
    ... on Error { message }
  }
}`);
