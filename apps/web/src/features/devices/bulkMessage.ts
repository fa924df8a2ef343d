import { formatCount } from "../../lib/format.ts";
import type { BulkMessageKind, BulkRemediationPlan } from "./documents.ts";

/** A message's kind as a list item reads it: "agent download link". */
export function kindNoun(kind: BulkMessageKind): string {
  return KIND_NOUNS[kind][0];
}

/** How a count of each message reads in a sentence. */
const KIND_NOUNS: Record<BulkMessageKind, [one: string, many: string]> = {
  ENROLLMENT_INVITATION: ["re-enrolment invitation", "re-enrolment invitations"],
  AGENT_DOWNLOAD_LINK: ["agent download link", "agent download links"],
  MACOS_PROFILE_GUIDE: ["profile guide", "profile guides"],
};

export const BULK_KIND_LABELS: Record<BulkMessageKind | "RECOMMENDED", string> = {
  RECOMMENDED: "Each device's recommended message",
  ENROLLMENT_INVITATION: "Re-enrolment invitation",
  AGENT_DOWNLOAD_LINK: "Agent download link",
  // Each owner gets the steps of their own device: a Mac's, an iPhone's or an iPad's.
  MACOS_PROFILE_GUIDE: "Profile guide (Mac, iPhone, iPad)",
};

/** Devices a chosen message means nothing for (the server skips them), in the skipped list's words. */
const NOT_APPLICABLE: Record<BulkMessageKind, string> = {
  ENROLLMENT_INVITATION: "for which the message does not apply",
  AGENT_DOWNLOAD_LINK: "phones or tablets (no agent to install)",
  MACOS_PROFILE_GUIDE: "not made by Apple (no profile to install)",
};

function counted(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** "a, b and c" */
function listed(parts: string[]): string {
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

export interface PlanWording {
  /** What will be sent, or why nothing can be. */
  headline: string;
  /** The messages by kind, when there are several kinds or any at all. */
  kinds: string | null;
  /** Why the other matched devices get nothing; null when none are left out. */
  skipped: string | null;
  confirmLabel: string;
  canSend: boolean;
}

/**
 * The plan in the dialog's words: what the admin confirms before anything is sent. `kind` is the
 * chosen message (null: each device's recommended one), which says why a device got none.
 */
export function describePlan(
  plan: BulkRemediationPlan,
  skipHours: number,
  kind: BulkMessageKind | null = null,
): PlanWording {
  const devices = counted(plan.devices, "device matches", "devices match");
  if (plan.overLimit) {
    return {
      headline: `${devices} the filter; one send may message at most ${formatCount(plan.limit)}. Narrow the filter (status, team, platform or search) and send in parts.`,
      kinds: null,
      skipped: null,
      confirmLabel: "Send",
      canSend: false,
    };
  }
  const skipped = [
    plan.skippedEnrolled ? `${formatCount(plan.skippedEnrolled)} enrolled (nothing to fix)` : null,
    plan.skippedNoOwner ? `${formatCount(plan.skippedNoOwner)} without a known owner` : null,
    plan.skippedRecentlySent
      ? `${formatCount(plan.skippedRecentlySent)} whose owner got the same message in the last ${counted(skipHours, "hour", "hours")}`
      : null,
    plan.skippedNoMessage
      ? kind === null
        ? `${formatCount(plan.skippedNoMessage)} waiting for the APNs certificate to be renewed (in FleetDM, not by the owner)`
        : `${formatCount(plan.skippedNoMessage)} ${NOT_APPLICABLE[kind]}`
      : null,
  ].filter((part) => part !== null);
  const messages = counted(plan.messages, "message", "messages");
  return {
    headline:
      plan.messages === 0
        ? `${devices} the filter; none of them gets a message.`
        : `${devices} the filter: ${messages} to ${counted(plan.recipients, "person", "people")}.`,
    kinds:
      plan.byKind.length === 0
        ? null
        : listed(plan.byKind.map((k) => counted(k.count, ...KIND_NOUNS[k.kind]))).replace(/^./, (c) => c.toUpperCase()),
    skipped: skipped.length === 0 ? null : `Not messaged: ${listed(skipped)}.`,
    confirmLabel: `Send ${messages}`,
    canSend: plan.messages > 0,
  };
}
