import {
  ADMIN_NOTIFICATIONS,
  ALERT_SEVERITIES,
  ENROLLMENT_STATUSES,
  MESSAGE_KINDS,
  REMEDIATION_KINDS,
  WEBHOOK_EVENT_KINDS,
} from "@enrollwatch/sync";
import { builder } from "../builder.ts";

export const EnrollmentStatusEnum = builder.enumType("EnrollmentStatus", {
  description: "A device's enrolment status, from the help-centre article 'Why this status?'.",
  values: ENROLLMENT_STATUSES,
});

export const MessageKindEnum = builder.enumType("MessageKind", {
  description: "A message an admin can send a device's owner.",
  values: MESSAGE_KINDS,
});

export const OutboundMessageKindEnum = builder.enumType("OutboundMessageKind", {
  description: "What a message in the outbox is: one an admin can send an owner, or an alert e-mail to admins.",
  values: [...MESSAGE_KINDS, "ALERT_OPENED", "ALERT_DIGEST"] as const,
});

export const RemediationKindEnum = builder.enumType("RemediationKind", {
  description: "What fixes a problem, in the article's troubleshooting terms.",
  values: REMEDIATION_KINDS,
});

export const ApiTokenRoleEnum = builder.enumType("ApiTokenRole", {
  description: "ADMIN may do everything; VIEWER may read and subscribe.",
  values: ["ADMIN", "VIEWER"] as const,
});

export const SyncRunStateEnum = builder.enumType("SyncRunState", {
  values: ["RUNNING", "SUCCEEDED", "FAILED", "AWAITING_CONFIRMATION"] as const,
});

export const MessageStateEnum = builder.enumType("MessageState", {
  values: ["PENDING", "SENT", "FAILED", "UNSENT"] as const,
});

export const AlertSeverityEnum = builder.enumType("AlertSeverity", { values: ALERT_SEVERITIES });

export const AlertStateEnum = builder.enumType("AlertState", {
  description:
    "OPEN until someone acknowledges or snoozes it; RESOLVED automatically when the device no longer breaks the rule.",
  values: ["OPEN", "ACKNOWLEDGED", "SNOOZED", "RESOLVED"] as const,
});

export const AdminNotificationEnum = builder.enumType("AdminNotification", {
  description: "How a rule e-mails adminEmails about new alerts.",
  values: ADMIN_NOTIFICATIONS,
});

export const AlertEventKindEnum = builder.enumType("AlertEventKind", {
  values: ["OPENED", "ACKNOWLEDGED", "SNOOZED", "REOPENED", "RESOLVED"] as const,
});

export const WebhookEventKindEnum = builder.enumType("WebhookEventKind", {
  description: "The alert events a webhook can receive.",
  values: WEBHOOK_EVENT_KINDS,
});

export const WebhookDeliveryStateEnum = builder.enumType("WebhookDeliveryState", {
  values: ["PENDING", "DELIVERED", "FAILED"] as const,
});
