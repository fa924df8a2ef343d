export { AlertEvaluator, type AlertEvaluatorOptions, type EvaluationResult } from "./alerts/AlertEvaluator.ts";
export { type AlertEventKind, WEBHOOK_EVENT_KINDS, type WebhookEventKind } from "./alerts/AlertEventLog.ts";
export { breaksRule, planAlerts } from "./alerts/AlertPlanner.ts";
export * from "./alerts/AlertRuleSchema.ts";
export { AlertTriage, type TriageResult } from "./alerts/AlertTriage.ts";
export { parseSecretsKey, WebhookSecretBox, WebhookSecretError } from "./alerts/WebhookSecretBox.ts";
export { newWebhookSecret, signWebhook, verifyWebhook, WEBHOOK_HEADERS } from "./alerts/WebhookSignature.ts";
export { checkWebhookTarget, parseWebhookUrl, refusedAddressRange } from "./alerts/WebhookTarget.ts";
export { postWebhook, WebhookWorker, type WebhookWorkerOptions } from "./alerts/WebhookWorker.ts";
export * from "./engine/index.ts";
export { type EnrollwatchTopics, type EventPublisher, silentPublisher } from "./events/EnrollwatchTopics.ts";
export {
  FleetClient,
  type FleetClientOptions,
  FleetFetchError,
  type FleetFetchErrorKind,
} from "./fleet/FleetClient.ts";
export type { FleetHostRecord } from "./fleet/FleetHostRecord.ts";
export {
  BULK_PLAN_SAMPLE_SIZE,
  BULK_REMEDIATION_MAX_DEVICES,
  BULK_REMEDIATION_MAX_SKIP_HOURS,
  BULK_REMEDIATION_REPEAT_MS,
  type BulkPlanSummary,
  type BulkRemediationResult,
  type BulkSkipReason,
  planBulkRemediation,
  previewBulkRemediation,
  recommendedMessage,
  sendBulkRemediation,
  sentKey,
} from "./messages/BulkRemediation.ts";
export {
  DEFAULT_LINK_TTL_MS,
  ENROLLMENT_LINK_PLACEHOLDER,
  hashToken,
  issueEmployeeLink,
  type LinkRedemption,
  redeemEmployeeLink,
} from "./messages/EmployeeLinks.ts";
export { type MessageLinks, platformName, renderMessage } from "./messages/MessageTemplates.ts";
export { enqueueMessage } from "./messages/Outbox.ts";
export { type DeliveryReport, OutboxWorker } from "./messages/OutboxWorker.ts";
export { type SendRemediationResult, sendRemediationMessage } from "./messages/RemediationMessages.ts";
export * from "./settings/index.ts";
export { loadSettings, type SettingsUpdateResult, updateSettings } from "./settings/SettingsStore.ts";
export { lockStatusEventWritersWithPrisma } from "./sync/EventOrdering.ts";
export { type DeviceCheckResult, SyncRunner, type SyncRunnerOptions, type SyncRunResult } from "./sync/SyncRunner.ts";
export { type SyncAttempt, SyncScheduler } from "./sync/SyncScheduler.ts";
export { type UnenrolledBy, UnenrollmentService, type UnenrollOutcome } from "./sync/UnenrollmentService.ts";
