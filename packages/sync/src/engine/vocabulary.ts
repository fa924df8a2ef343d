/**
 * The product's vocabulary, taken from the help-centre article "Why This Status?"
 * (shared/seed/why-this-status.txt): statuses, the causes it lists for each, and its troubleshooting
 * steps. Codes are stable identifiers stored in the database (Device.problems, StatusEvent.reasons)
 * and read by integrators: rename a text freely, never a code.
 */

/** Same names and order as the Prisma enum `EnrollmentStatus`. */
export const ENROLLMENT_STATUSES = [
  "ENROLLED",
  "PARTIALLY_ENROLLED",
  "AGENT_INACTIVE",
  "MDM_PROFILE_MISSING",
  "OFFLINE",
  "UNENROLLED",
] as const;

export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

export const EnrollmentStatus = {
  ENROLLED: "ENROLLED",
  PARTIALLY_ENROLLED: "PARTIALLY_ENROLLED",
  AGENT_INACTIVE: "AGENT_INACTIVE",
  MDM_PROFILE_MISSING: "MDM_PROFILE_MISSING",
  OFFLINE: "OFFLINE",
  UNENROLLED: "UNENROLLED",
} as const satisfies { [S in EnrollmentStatus]: S };

/** Every status except ENROLLED describes a problem. */
export type ProblemStatus = Exclude<EnrollmentStatus, "ENROLLED">;

/**
 * One sentence per cause, in the article's words. A code shared by two statuses (network, proxy,
 * APNs certificate) keeps one text so the dashboard says the same thing wherever it appears.
 */
export const CAUSE_TEXTS = {
  // During deployment (partially enrolled)
  ENROLLMENT_STEPS_NOT_COMPLETED: "The user did not complete all the enrollment steps.",
  AGENT_INSTALL_INCOMPLETE: "The Fleet agent installation is incomplete (mainly on macOS).",
  NOT_CONNECTED_LONG_ENOUGH: "The user did not stay connected long enough to complete synchronization.",
  AGENT_OR_PROFILE_REMOVED_OR_BLOCKED: "The agent or MDM profile was uninstalled or blocked.",
  // Missing or inactive agent
  AGENT_UNINSTALLED_OR_CORRUPTED: "The agent was uninstalled or corrupted.",
  AGENT_REMOVED_MANUALLY: "The user or a script manually removed the agent.",
  BROKEN_BY_SYSTEM_UPDATE: "A system update or configuration error corrupted the installation.",
  OSQUERYD_STOPPED: "The agent is no longer running: the osqueryd service (used by FleetDM) has stopped.",
  AGENT_PERMISSION_FAILURE: "The agent is no longer running: it fails to start due to permission issues.",
  NETWORK_BLOCKS_FLEET: "The device is on a network that blocks access to the FleetDM server.",
  OFFLINE_TOO_LONG: "The device has been offline for too long, preventing the agent from reconnecting.",
  PROXY_OR_FIREWALL: "A proxy or firewall is blocking communication between the agent and the FleetDM server.",
  APNS_CERTIFICATE_EXPIRED:
    "The certificate or MDM configuration has expired: the APN (Apple Push Notification) certificate has expired.",
  FLEET_ISSUE: "FleetDM issue.",
  // Missing MDM profile
  PROFILE_REMOVED_BY_USER:
    "The profile was removed by the user: on macOS, an admin user can remove an unlocked MDM profile.",
  PROFILE_EXPIRED_OR_INVALID:
    "The profile has expired or is invalid: an issue with Apple Push Notification Service (APNS) may prevent the device from validating its profile.",
  APNS_TOKEN_EXPIRED_OR_REVOKED:
    "The APNS token has expired or been revoked, so the MDM profile may have become invalid.",
  MDM_TURNED_OFF_FROM_FLEET:
    'The device was accidentally removed from MDM management: the "turn off MDM" action was executed from FleetDM on the device.',
  // Unenrolled
  PURGED_BY_AUTO_UNENROLLMENT:
    "The device was purged by auto-unenrollment after being offline for longer than the configured duration.",
  PURGED_BY_ADMIN: "An admin purged the device from FleetDM.",
} as const satisfies Record<string, string>;

export type CauseCode = keyof typeof CAUSE_TEXTS;

/** The causes the article lists for each status, in the article's order. */
export const CAUSES_BY_STATUS = {
  PARTIALLY_ENROLLED: [
    "ENROLLMENT_STEPS_NOT_COMPLETED",
    "AGENT_INSTALL_INCOMPLETE",
    "NOT_CONNECTED_LONG_ENOUGH",
    "AGENT_OR_PROFILE_REMOVED_OR_BLOCKED",
  ],
  AGENT_INACTIVE: [
    "AGENT_UNINSTALLED_OR_CORRUPTED",
    "AGENT_REMOVED_MANUALLY",
    "BROKEN_BY_SYSTEM_UPDATE",
    "OSQUERYD_STOPPED",
    "AGENT_PERMISSION_FAILURE",
    "NETWORK_BLOCKS_FLEET",
    "OFFLINE_TOO_LONG",
    "PROXY_OR_FIREWALL",
    "APNS_CERTIFICATE_EXPIRED",
    "FLEET_ISSUE",
  ],
  MDM_PROFILE_MISSING: [
    "PROFILE_REMOVED_BY_USER",
    "PROFILE_EXPIRED_OR_INVALID",
    "APNS_TOKEN_EXPIRED_OR_REVOKED",
    "APNS_CERTIFICATE_EXPIRED",
    "MDM_TURNED_OFF_FROM_FLEET",
  ],
  OFFLINE: ["NETWORK_BLOCKS_FLEET", "OFFLINE_TOO_LONG", "PROXY_OR_FIREWALL"],
  UNENROLLED: ["PURGED_BY_AUTO_UNENROLLMENT", "PURGED_BY_ADMIN"],
} as const satisfies { readonly [S in ProblemStatus]: readonly CauseCode[] };

/** The Prisma enum `MessageKind`: what an outbound message to an employee is about. */
export const MESSAGE_KINDS = ["ENROLLMENT_INVITATION", "AGENT_DOWNLOAD_LINK", "MACOS_PROFILE_GUIDE"] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** The article's troubleshooting steps, one per remediation. */
export const REMEDIATION_TEXTS = {
  INSTALL_MACOS_PROFILE: 'Ask the employee to follow the detailed steps in the guide, section "Installation on macOS".',
  DOWNLOAD_AGENT:
    "Ask the employee to log into their enrollment page and click on their assigned device. They can then download the agent independently.",
  REENROLL:
    "Ask the employee to re-enroll their device. You can automate this action by enabling auto-unenrollment in Settings.",
  COMPLETE_ENROLLMENT:
    "Ask the employee to complete all the enrollment steps: they log into their enrollment page, click on their assigned device and download the agent independently.",
  RESEND_INVITATION:
    "Resend the MDM invitation to the employee so they can enroll the device again. With auto-unenrollment enabled, the invitation can be resent automatically (Settings).",
  RENEW_APNS_CERTIFICATE:
    "Renew the APN (Apple Push Notification) certificate in FleetDM: until it is renewed, Apple devices cannot validate their MDM profile.",
} as const satisfies Record<string, string>;

export type RemediationKind = keyof typeof REMEDIATION_TEXTS;

export const REMEDIATION_KINDS = Object.keys(REMEDIATION_TEXTS) as RemediationKind[];

/**
 * The message a remediation sends to the employee. Renewing the APNs certificate is the admin's own
 * job in FleetDM, so it sends nothing.
 */
export const REMEDIATION_MESSAGE_KIND = {
  INSTALL_MACOS_PROFILE: "MACOS_PROFILE_GUIDE",
  DOWNLOAD_AGENT: "AGENT_DOWNLOAD_LINK",
  REENROLL: "ENROLLMENT_INVITATION",
  // Finishing an enrolment happens on the enrolment page, which the agent download link opens.
  COMPLETE_ENROLLMENT: "AGENT_DOWNLOAD_LINK",
  RESEND_INVITATION: "ENROLLMENT_INVITATION",
  RENEW_APNS_CERTIFICATE: null,
} as const satisfies { readonly [K in RemediationKind]: MessageKind | null };

/** Platforms Fleet manages through MDM alone: there is no agent to install on them. */
const AGENTLESS_PLATFORMS: ReadonlySet<string> = new Set(["ios", "ipados", "android"]);
/** Platforms that take an Apple MDM profile. */
const PROFILE_PLATFORMS: ReadonlySet<string> = new Set(["darwin", "ios", "ipados"]);

/**
 * The message a remediation sends the owner of a device of this platform. The article's remedies
 * that go through the agent download link (finishing an enrolment) mean the enrolment invitation on
 * a phone or tablet, which has no agent: its enrolment page gives the profile steps instead.
 */
export function remediationMessageFor(remediation: RemediationKind, platform: string): MessageKind | null {
  const message = REMEDIATION_MESSAGE_KIND[remediation];
  if (message === "AGENT_DOWNLOAD_LINK" && AGENTLESS_PLATFORMS.has(platform.toLowerCase())) {
    return "ENROLLMENT_INVITATION";
  }
  return message;
}

/** Why a message means nothing for a device of this platform, or null when it applies. */
export function messageMismatch(kind: MessageKind, platform: string): string | null {
  const p = platform.toLowerCase();
  if (kind === "AGENT_DOWNLOAD_LINK" && AGENTLESS_PLATFORMS.has(p)) {
    return `There is no agent to install on a ${p} device: Fleet manages it through MDM alone.`;
  }
  if (kind === "MACOS_PROFILE_GUIDE" && !PROFILE_PLATFORMS.has(p)) {
    return `Only Apple devices take a management profile; this device runs ${p}.`;
  }
  return null;
}

export type Cause = { code: CauseCode; text: string; likely?: boolean };
export type Remediation = { kind: RemediationKind; text: string };
export type Problem = { status: ProblemStatus; causes: Cause[]; remediation: Remediation };

/**
 * The full list of a status's causes from the catalogue; `likely` marks the ones the evidence
 * points at (absent, not false, on the others, so stored JSON stays small).
 */
export function causesFor(status: ProblemStatus, likely: ReadonlySet<CauseCode> = new Set()): Cause[] {
  return CAUSES_BY_STATUS[status].map((code): Cause => {
    const cause: Cause = { code, text: CAUSE_TEXTS[code] };
    if (likely.has(code)) cause.likely = true;
    return cause;
  });
}

export function remediationFor(kind: RemediationKind): Remediation {
  return { kind, text: REMEDIATION_TEXTS[kind] };
}
