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
  DEFAULT_LINK_TTL_MS,
  ENROLLMENT_LINK_PLACEHOLDER,
  hashToken,
  issueEmployeeLink,
  type LinkRedemption,
  redeemEmployeeLink,
} from "./messages/EmployeeLinks.ts";
export { type MessageLinks, renderMessage } from "./messages/MessageTemplates.ts";
export { enqueueMessage } from "./messages/Outbox.ts";
export { type DeliveryReport, OutboxWorker } from "./messages/OutboxWorker.ts";
export { type SendRemediationResult, sendRemediationMessage } from "./messages/RemediationMessages.ts";
export * from "./settings/index.ts";
export { loadSettings, type SettingsUpdateResult, updateSettings } from "./settings/SettingsStore.ts";
export { lockStatusEventWritersWithPrisma } from "./sync/EventOrdering.ts";
export { SyncRunner, type SyncRunnerOptions, type SyncRunResult } from "./sync/SyncRunner.ts";
export { type SyncAttempt, SyncScheduler } from "./sync/SyncScheduler.ts";
export { type UnenrolledBy, UnenrollmentService, type UnenrollOutcome } from "./sync/UnenrollmentService.ts";
