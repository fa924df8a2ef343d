import { gql } from "@urql/core";
import type { EnrollmentStatus } from "../../lib/status.ts";
import type { FieldError } from "../settings/documents.ts";

export type AlertState = "OPEN" | "ACKNOWLEDGED" | "SNOOZED" | "RESOLVED";
export type AlertSeverity = "HIGH" | "MEDIUM" | "LOW";
export type AlertEventKind = "OPENED" | "ACKNOWLEDGED" | "SNOOZED" | "REOPENED" | "RESOLVED";
export type AdminNotification = "NONE" | "IMMEDIATE" | "DAILY_DIGEST";
export type WebhookEventKind = "OPENED" | "ACKNOWLEDGED" | "RESOLVED";
export type WebhookDeliveryState = "PENDING" | "DELIVERED" | "FAILED";

export const ALERT_STATES: readonly AlertState[] = ["OPEN", "ACKNOWLEDGED", "SNOOZED", "RESOLVED"];
/** Most severe first, as the server orders the queue. */
export const ALERT_SEVERITIES: readonly AlertSeverity[] = ["HIGH", "MEDIUM", "LOW"];
export const ADMIN_NOTIFICATIONS: readonly AdminNotification[] = ["NONE", "IMMEDIATE", "DAILY_DIGEST"];
export const WEBHOOK_EVENT_KINDS: readonly WebhookEventKind[] = ["OPENED", "ACKNOWLEDGED", "RESOLVED"];

export interface AlertFilter {
  state?: AlertState[];
  severity?: AlertSeverity[];
  ruleId?: string;
  status?: EnrollmentStatus[];
  deviceId?: string;
}

export interface Alert {
  id: string;
  state: AlertState;
  severity: AlertSeverity;
  status: EnrollmentStatus;
  rule: { id: string; name: string };
  device: {
    id: string;
    name: string;
    serial: string | null;
    platform: string;
    owner: { email: string } | null;
  };
  openedAt: string;
  statusSince: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  note: string | null;
  snoozedUntil: string | null;
  resolvedAt: string | null;
}

const ALERT_FIELDS = `id state severity status rule { id name } device { id name serial platform owner { email } }
  openedAt statusSince acknowledgedAt acknowledgedBy note snoozedUntil resolvedAt`;

export interface AlertConnection {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { node: Alert }[];
}

export const AlertsQuery = gql<{ alerts: AlertConnection }, { filter: AlertFilter | null; first: number }>(
  `query Alerts($filter: AlertFilter, $first: Int) {
    alerts(filter: $filter, first: $first) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { ${ALERT_FIELDS} } }
    }
  }`,
);

export interface AlertSummary {
  open: number;
  acknowledged: number;
  snoozed: number;
  openHigh: number;
}

export const AlertSummaryQuery = gql<{ alertSummary: AlertSummary }, Record<string, never>>(
  `query AlertSummary { alertSummary { open acknowledged snoozed openHigh } }`,
);

/** Only what tells listeners which alert changed: every view reads its own data again. */
export interface LiveAlertEvent {
  seq: string;
  kind: AlertEventKind;
  at: string;
  alert: { id: string; state: AlertState; device: { id: string } };
}

export const AlertEventsSubscription = gql<{ alerts: LiveAlertEvent }, Record<string, never>>(
  `subscription LiveAlerts { alerts { seq kind at alert { id state device { id } } } }`,
);

export interface DeviceAlert {
  id: string;
  state: AlertState;
  severity: AlertSeverity;
  status: EnrollmentStatus;
  rule: { id: string; name: string };
  openedAt: string;
  resolvedAt: string | null;
  acknowledgedBy: string | null;
  snoozedUntil: string | null;
}

export const DeviceAlertsQuery = gql<
  { node: { __typename: "Device"; alerts: DeviceAlert[] } | { __typename: string } | null },
  { id: string }
>(`query DeviceAlerts($id: ID!) {
  node(id: $id) {
    __typename
    ... on Device { alerts { id state severity status rule { id name } openedAt resolvedAt acknowledgedBy snoozedUntil } }
  }
}`);

type ErrorResult = { __typename: "ForbiddenError" | "ConflictError" | "NotFoundError"; message: string };
export type ValidationResult = { __typename: "ValidationError"; message: string; fieldErrors: FieldError[] };

export const AcknowledgeAlertMutation = gql<
  {
    acknowledgeAlert: { __typename: "MutationAcknowledgeAlertSuccess"; data: Alert } | ValidationResult | ErrorResult;
  },
  { id: string; note: string | null }
>(`mutation AcknowledgeAlert($id: ID!, $note: String) {
  acknowledgeAlert(id: $id, note: $note) {
    __typename
    ... on MutationAcknowledgeAlertSuccess { data { ${ALERT_FIELDS} } }
    ... on ValidationError { message fieldErrors { field message } }
    ... on Error { message }
  }
}`);

export const SnoozeAlertMutation = gql<
  {
    snoozeAlert: { __typename: "MutationSnoozeAlertSuccess"; data: Alert } | ValidationResult | ErrorResult;
  },
  { id: string; until: string; note: string | null }
>(`mutation SnoozeAlert($id: ID!, $until: DateTime!, $note: String) {
  snoozeAlert(id: $id, until: $until, note: $note) {
    __typename
    ... on MutationSnoozeAlertSuccess { data { ${ALERT_FIELDS} } }
    ... on ValidationError { message fieldErrors { field message } }
    ... on Error { message }
  }
}`);

// ---- rules ----------------------------------------------------------------------------------

export interface AlertRule {
  id: string;
  name: string;
  enabled: boolean;
  severity: AlertSeverity;
  statuses: EnrollmentStatus[];
  platforms: string[];
  teams: string[];
  /** The devices in no team break the rule too (with no `teams`: only they do). */
  includeNoTeam: boolean;
  gracePeriodHours: number;
  adminNotification: AdminNotification;
  adminEmails: string[];
  remindEmployee: boolean;
  notifyWebhooks: boolean;
  openAlertCount: number;
}

/** For updates only the fields given change; the server validates the rule as a whole. */
export interface AlertRuleInput {
  name?: string;
  enabled?: boolean;
  severity?: AlertSeverity;
  statuses?: EnrollmentStatus[];
  platforms?: string[];
  teams?: string[];
  includeNoTeam?: boolean;
  gracePeriodHours?: number;
  adminNotification?: AdminNotification;
  adminEmails?: string[];
  remindEmployee?: boolean;
  notifyWebhooks?: boolean;
}

const RULE_FIELDS = `id name enabled severity statuses platforms teams includeNoTeam gracePeriodHours adminNotification adminEmails
  remindEmployee notifyWebhooks openAlertCount`;

export const AlertRulesQuery = gql<{ alertRules: AlertRule[] }, Record<string, never>>(
  `query AlertRules { alertRules { ${RULE_FIELDS} } }`,
);

export type RuleSaveResult =
  | { __typename: "MutationCreateAlertRuleSuccess" | "MutationUpdateAlertRuleSuccess"; data: AlertRule }
  | ValidationResult
  | ErrorResult;

export const CreateAlertRuleMutation = gql<{ createAlertRule: RuleSaveResult }, { input: AlertRuleInput }>(
  `mutation CreateAlertRule($input: AlertRuleInput!) {
    createAlertRule(input: $input) {
      __typename
      ... on MutationCreateAlertRuleSuccess { data { ${RULE_FIELDS} } }
      ... on ValidationError { message fieldErrors { field message } }
      ... on Error { message }
    }
  }`,
);

export const UpdateAlertRuleMutation = gql<{ updateAlertRule: RuleSaveResult }, { id: string; input: AlertRuleInput }>(
  `mutation UpdateAlertRule($id: ID!, $input: AlertRuleInput!) {
    updateAlertRule(id: $id, input: $input) {
      __typename
      ... on MutationUpdateAlertRuleSuccess { data { ${RULE_FIELDS} } }
      ... on ValidationError { message fieldErrors { field message } }
      ... on Error { message }
    }
  }`,
);

export const SetAlertRuleEnabledMutation = gql<
  { setAlertRuleEnabled: { __typename: "MutationSetAlertRuleEnabledSuccess"; data: AlertRule } | ErrorResult },
  { id: string; enabled: boolean }
>(`mutation SetAlertRuleEnabled($id: ID!, $enabled: Boolean!) {
  setAlertRuleEnabled(id: $id, enabled: $enabled) {
    __typename
    ... on MutationSetAlertRuleEnabledSuccess { data { ${RULE_FIELDS} } }
    ... on Error { message }
  }
}`);

export const DeleteAlertRuleMutation = gql<
  { deleteAlertRule: { __typename: "MutationDeleteAlertRuleSuccess"; data: string } | ErrorResult },
  { id: string }
>(`mutation DeleteAlertRule($id: ID!) {
  deleteAlertRule(id: $id) {
    __typename
    ... on MutationDeleteAlertRuleSuccess { data }
    ... on Error { message }
  }
}`);

// ---- webhooks -------------------------------------------------------------------------------

export interface Webhook {
  id: string;
  name: string;
  url: string;
  events: WebhookEventKind[];
  enabled: boolean;
  pendingDeliveries: number;
  failedDeliveries: number;
  createdAt: string;
}

export interface WebhookInput {
  name?: string;
  url?: string;
  events?: WebhookEventKind[];
  enabled?: boolean;
}

export interface WebhookDelivery {
  id: string;
  eventType: string;
  state: WebhookDeliveryState;
  attempts: number;
  createdAt: string;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  lastStatus: number | null;
  lastResponse: string | null;
  lastError: string | null;
  body: string;
}

export interface CreatedWebhook {
  secret: string;
  webhook: Webhook;
}

const WEBHOOK_FIELDS = "id name url events enabled pendingDeliveries failedDeliveries createdAt";
const DELIVERY_FIELDS = `id eventType state attempts createdAt lastAttemptAt nextAttemptAt deliveredAt lastStatus
  lastResponse lastError body`;

export const WebhooksQuery = gql<
  { webhooks: { __typename: "QueryWebhooksSuccess"; data: Webhook[] } | ErrorResult },
  Record<string, never>
>(`query Webhooks {
  webhooks { __typename ... on QueryWebhooksSuccess { data { ${WEBHOOK_FIELDS} } } ... on Error { message } }
}`);

export const WebhookDeliveriesQuery = gql<
  { webhookDeliveries: { __typename: "QueryWebhookDeliveriesSuccess"; data: WebhookDelivery[] } | ErrorResult },
  { webhookId: string; first: number }
>(`query WebhookDeliveries($webhookId: ID!, $first: Int) {
  webhookDeliveries(webhookId: $webhookId, first: $first) {
    __typename
    ... on QueryWebhookDeliveriesSuccess { data { ${DELIVERY_FIELDS} } }
    ... on Error { message }
  }
}`);

export const CreateWebhookMutation = gql<
  {
    createWebhook:
      | { __typename: "MutationCreateWebhookSuccess"; data: CreatedWebhook }
      | ValidationResult
      | ErrorResult;
  },
  { input: WebhookInput }
>(`mutation CreateWebhook($input: WebhookInput!) {
  createWebhook(input: $input) {
    __typename
    ... on MutationCreateWebhookSuccess { data { secret webhook { ${WEBHOOK_FIELDS} } } }
    ... on ValidationError { message fieldErrors { field message } }
    ... on Error { message }
  }
}`);

export const UpdateWebhookMutation = gql<
  {
    updateWebhook: { __typename: "MutationUpdateWebhookSuccess"; data: Webhook } | ValidationResult | ErrorResult;
  },
  { id: string; input: WebhookInput }
>(`mutation UpdateWebhook($id: ID!, $input: WebhookInput!) {
  updateWebhook(id: $id, input: $input) {
    __typename
    ... on MutationUpdateWebhookSuccess { data { ${WEBHOOK_FIELDS} } }
    ... on ValidationError { message fieldErrors { field message } }
    ... on Error { message }
  }
}`);

export const SetWebhookEnabledMutation = gql<
  { setWebhookEnabled: { __typename: "MutationSetWebhookEnabledSuccess"; data: Webhook } | ErrorResult },
  { id: string; enabled: boolean }
>(`mutation SetWebhookEnabled($id: ID!, $enabled: Boolean!) {
  setWebhookEnabled(id: $id, enabled: $enabled) {
    __typename
    ... on MutationSetWebhookEnabledSuccess { data { ${WEBHOOK_FIELDS} } }
    ... on Error { message }
  }
}`);

export const RotateWebhookSecretMutation = gql<
  {
    rotateWebhookSecret: { __typename: "MutationRotateWebhookSecretSuccess"; data: CreatedWebhook } | ErrorResult;
  },
  { id: string }
>(`mutation RotateWebhookSecret($id: ID!) {
  rotateWebhookSecret(id: $id) {
    __typename
    ... on MutationRotateWebhookSecretSuccess { data { secret webhook { ${WEBHOOK_FIELDS} } } }
    ... on Error { message }
  }
}`);

export const DeleteWebhookMutation = gql<
  { deleteWebhook: { __typename: "MutationDeleteWebhookSuccess"; data: string } | ErrorResult },
  { id: string }
>(`mutation DeleteWebhook($id: ID!) {
  deleteWebhook(id: $id) {
    __typename
    ... on MutationDeleteWebhookSuccess { data }
    ... on Error { message }
  }
}`);

export const SendTestWebhookMutation = gql<
  { sendTestWebhook: { __typename: "MutationSendTestWebhookSuccess"; data: WebhookDelivery } | ErrorResult },
  { id: string }
>(`mutation SendTestWebhook($id: ID!) {
  sendTestWebhook(id: $id) {
    __typename
    ... on MutationSendTestWebhookSuccess { data { ${DELIVERY_FIELDS} } }
    ... on Error { message }
  }
}`);
