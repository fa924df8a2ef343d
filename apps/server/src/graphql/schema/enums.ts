import { ENROLLMENT_STATUSES, MESSAGE_KINDS, REMEDIATION_KINDS } from "@enrollwatch/sync";
import { builder } from "../builder.ts";

export const EnrollmentStatusEnum = builder.enumType("EnrollmentStatus", {
  description: "A device's enrolment status, from the help-centre article 'Why this status?'.",
  values: ENROLLMENT_STATUSES,
});

export const MessageKindEnum = builder.enumType("MessageKind", {
  description: "A message an admin can send a device's owner.",
  values: MESSAGE_KINDS,
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
