/**
 * The status engine: (Fleet host snapshot, what we knew before, settings, now) → status + problems.
 * Pure: no I/O and no clock, so every rule is table-tested and a re-sync of the same facts gives the
 * same answer.
 */
import { isMdmOn } from "./FleetTime.ts";
import {
  type CauseCode,
  causesFor,
  type EnrollmentStatus,
  type Problem,
  type RemediationKind,
  remediationFor,
} from "./vocabulary.ts";

/** The Fleet facts the engine reads, times already parsed with parseFleetTime. */
export type HostSnapshot = {
  platform: string;
  seenTime: Date | null;
  detailUpdatedAt: Date | null;
  lastEnrolledAt: Date | null;
  /** null: Fleet has no MDM information for the host. */
  mdm: { enrollmentStatus: string | null } | null;
  lastMdmEnrolledAt: Date | null;
  lastMdmCheckedInAt: Date | null;
};

/** What Enrollwatch remembered about the device from earlier syncs. */
export type PreviousDeviceState = {
  status: EnrollmentStatus;
  purgedAt: Date | null;
  purgedBy?: "AUTO_UNENROLLMENT" | "ADMIN" | null;
  everMdmEnrolled: boolean;
};

export type EngineSettings = {
  agentInactiveAfterHours: number;
  offlineAfterDays: number;
  apnsCertificateExpiresAt: Date | null;
};

export type Evaluation = {
  status: EnrollmentStatus;
  /** Every problem detected, the one behind `status` first; empty when ENROLLED. */
  problems: Problem[];
  /** MDM is on right now, so the runner can remember `everMdmEnrolled`. */
  mdmEnrolled: boolean;
};

const HOUR_MS = 3_600_000;
// Thresholds are fixed 24 h days: timestamps are UTC instants, so calendar days (DST) don't apply.
const DAY_MS = 24 * HOUR_MS;

/** Platforms enrolled through Apple MDM; only these are judged on their MDM profile. */
const APPLE_PLATFORMS: ReadonlySet<string> = new Set(["darwin", "ios", "ipados"]);

/**
 * Platforms Fleet manages through MDM alone, with no osquery agent. Their detail_updated_at (null or
 * refreshed by MDM queries) says nothing about an agent, so the agent rules (never reported,
 * inactive) don't apply: they are judged by MDM and contact only. Android is here too although the
 * brief named only iOS/iPadOS: it has no agent either, and "download the agent" would be wrong advice.
 */
const AGENTLESS_PLATFORMS: ReadonlySet<string> = new Set(["ios", "ipados", "android"]);

/** What the rules read, derived once from the snapshot. */
type DeviceFacts = {
  host: HostSnapshot;
  previous: PreviousDeviceState | null;
  settings: EngineSettings;
  now: Date;
  isApple: boolean;
  hasAgent: boolean;
  /** Fleet reports MDM information for the host (an Apple device without it is not MDM-managed). */
  mdmKnown: boolean;
  mdmOn: boolean;
  everMdmEnrolled: boolean;
  /** Latest of agent check-in and MDM check-in; null when Fleet knows neither. */
  lastContact: Date | null;
  apnsCertificateExpired: boolean;
};

export function evaluateDevice(
  host: HostSnapshot,
  previous: PreviousDeviceState | null,
  settings: EngineSettings,
  now: Date,
): Evaluation {
  const facts = deriveFacts(host, previous, settings, now);

  // A purged device is no longer managed: the Fleet facts we hold predate the purge, so any other
  // problem they show is moot and only the invitation remediation is given.
  const unenrolled = detectUnenrolled(facts);
  if (unenrolled) return { status: "UNENROLLED", problems: [unenrolled], mdmEnrolled: facts.mdmOn };

  // Rule order is precedence: the first problem found is the status, the rest are reported with it.
  const problems = [
    detectOffline(facts),
    detectPartiallyEnrolled(facts),
    detectMdmProfileMissing(facts),
    detectAgentInactive(facts),
  ].filter((problem): problem is Problem => problem !== null);

  return { status: problems[0]?.status ?? "ENROLLED", problems, mdmEnrolled: facts.mdmOn };
}

function deriveFacts(
  host: HostSnapshot,
  previous: PreviousDeviceState | null,
  settings: EngineSettings,
  now: Date,
): DeviceFacts {
  const platform = host.platform.toLowerCase();
  const mdmOn = isMdmOn(host.mdm?.enrollmentStatus);
  return {
    host,
    previous,
    settings,
    now,
    isApple: APPLE_PLATFORMS.has(platform),
    hasAgent: !AGENTLESS_PLATFORMS.has(platform),
    mdmKnown: host.mdm !== null,
    mdmOn,
    everMdmEnrolled: mdmOn || host.lastMdmEnrolledAt !== null || previous?.everMdmEnrolled === true,
    lastContact: latest(host.seenTime, host.lastMdmCheckedInAt),
    apnsCertificateExpired:
      settings.apnsCertificateExpiresAt !== null && settings.apnsCertificateExpiresAt.getTime() <= now.getTime(),
  };
}

/** Rule 1: purged by Enrollwatch, and Fleet shows no enrolment since. */
function detectUnenrolled({ host, previous }: DeviceFacts): Problem | null {
  const purgedAt = previous?.purgedAt;
  if (!purgedAt) return null;
  if (host.lastEnrolledAt !== null && host.lastEnrolledAt.getTime() > purgedAt.getTime()) return null;
  const likely = new Set<CauseCode>();
  if (previous.purgedBy === "AUTO_UNENROLLMENT") likely.add("PURGED_BY_AUTO_UNENROLLMENT");
  if (previous.purgedBy === "ADMIN") likely.add("PURGED_BY_ADMIN");
  return problem("UNENROLLED", likely, "RESEND_INVITATION");
}

/**
 * Rule 2: neither agent nor MDM heard from for strictly longer than the threshold. A device Fleet
 * never heard from at all is judged by its enrolment time, so it doesn't stay "fine" forever.
 */
function detectOffline({ host, settings, now, lastContact }: DeviceFacts): Problem | null {
  const reference = lastContact ?? host.lastEnrolledAt;
  if (reference === null || !isOlderThan(reference, settings.offlineAfterDays * DAY_MS, now)) return null;
  return problem("OFFLINE", new Set(), "REENROLL");
}

/**
 * Rule 3: enrolment never completed — the agent never delivered data, or an Apple device's MDM
 * never came on. An Apple device that was MDM-enrolled before is a missing profile (rule 4) instead.
 */
function detectPartiallyEnrolled(facts: DeviceFacts): Problem | null {
  const { host } = facts;
  const agentNeverReported = facts.hasAgent && host.detailUpdatedAt === null;
  const mdmNeverEnrolled = facts.isApple && facts.mdmKnown && !facts.mdmOn && !facts.everMdmEnrolled;
  if (!agentNeverReported && !mdmNeverEnrolled) return null;

  const likely = new Set<CauseCode>();
  if (mdmNeverEnrolled) likely.add("ENROLLMENT_STEPS_NOT_COMPLETED");
  if (agentNeverReported) {
    // An agent that checked in but never delivered details got as far as enrolling, then the
    // device went away before the first sync; one that never checked in was not installed fully.
    likely.add(host.seenTime !== null ? "NOT_CONNECTED_LONG_ENOUGH" : "AGENT_INSTALL_INCOMPLETE");
  }
  return problem("PARTIALLY_ENROLLED", likely, "COMPLETE_ENROLLMENT");
}

/**
 * Rule 4: an Apple device that was MDM-enrolled and whose MDM is now off, or whose MDM is on but
 * relies on an expired APNs certificate (Fleet still says "On", yet the profile no longer validates).
 */
function detectMdmProfileMissing(facts: DeviceFacts): Problem | null {
  if (!facts.isApple || !facts.mdmKnown) return null;
  const lostMdm = !facts.mdmOn && facts.everMdmEnrolled;
  const onWithExpiredCertificate = facts.mdmOn && facts.apnsCertificateExpired;
  if (!lostMdm && !onWithExpiredCertificate) return null;

  const likely = new Set<CauseCode>();
  if (facts.apnsCertificateExpired) likely.add("APNS_CERTIFICATE_EXPIRED");
  // "Off" is what Fleet shows after the device checked out: the profile was removed on the device
  // or MDM was turned off from Fleet. "Pending" or null after enrolment gives no such hint.
  if (lostMdm && facts.host.mdm?.enrollmentStatus?.trim() === "Off") {
    likely.add("PROFILE_REMOVED_BY_USER");
    likely.add("MDM_TURNED_OFF_FROM_FLEET");
  }
  // No profile can be (re)installed while the certificate is expired, so renewing it comes first;
  // the next sync then asks for the profile if it is still missing.
  const remediation: RemediationKind = facts.apnsCertificateExpired
    ? "RENEW_APNS_CERTIFICATE"
    : "INSTALL_MACOS_PROFILE";
  return problem("MDM_PROFILE_MISSING", likely, remediation);
}

/**
 * Rule 5: the agent's last data is strictly older than the threshold while the device itself was in
 * contact within it. A device out of contact just as long is away (closed lid), not a broken agent.
 */
function detectAgentInactive(facts: DeviceFacts): Problem | null {
  const { host, settings, now, lastContact } = facts;
  if (!facts.hasAgent || host.detailUpdatedAt === null || lastContact === null) return null;
  const thresholdMs = settings.agentInactiveAfterHours * HOUR_MS;
  if (!isOlderThan(host.detailUpdatedAt, thresholdMs, now) || isOlderThan(lastContact, thresholdMs, now)) return null;

  const likely = new Set<CauseCode>();
  if (facts.isApple && facts.apnsCertificateExpired) likely.add("APNS_CERTIFICATE_EXPIRED");
  return problem("AGENT_INACTIVE", likely, "DOWNLOAD_AGENT");
}

function problem(status: Problem["status"], likely: ReadonlySet<CauseCode>, remediation: RemediationKind): Problem {
  return { status, causes: causesFor(status, likely), remediation: remediationFor(remediation) };
}

/** Strictly older: a time exactly `thresholdMs` ago is not yet past the threshold. */
function isOlderThan(time: Date, thresholdMs: number, now: Date): boolean {
  return now.getTime() - time.getTime() > thresholdMs;
}

function latest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() >= b.getTime() ? a : b;
}
