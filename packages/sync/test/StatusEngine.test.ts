import { describe, expect, it } from "vitest";
import {
  CAUSE_TEXTS,
  CAUSES_BY_STATUS,
  type CauseCode,
  type EngineSettings,
  type EnrollmentStatus,
  type Evaluation,
  evaluateDevice,
  type HostSnapshot,
  type PreviousDeviceState,
  type Problem,
  parseFleetTime,
  REMEDIATION_TEXTS,
  type RemediationKind,
} from "../src/engine/index.ts";

const NOW = new Date("2025-06-02T12:00:00.000Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

const SETTINGS: EngineSettings = { agentInactiveAfterHours: 24, offlineAfterDays: 7, apnsCertificateExpiresAt: null };

/** A Mac that is fine: agent reporting, MDM on, both checked in minutes ago. */
function mac(overrides: Partial<HostSnapshot> = {}): HostSnapshot {
  return {
    platform: "darwin",
    seenTime: ago(5 * MINUTE),
    detailUpdatedAt: ago(30 * MINUTE),
    lastEnrolledAt: ago(90 * DAY),
    mdm: { enrollmentStatus: "On (automatic)" },
    lastMdmEnrolledAt: ago(90 * DAY),
    lastMdmCheckedInAt: ago(10 * MINUTE),
    ...overrides,
  };
}

/** A fine host on a platform without Apple MDM. */
function nonApple(platform: string, overrides: Partial<HostSnapshot> = {}): HostSnapshot {
  return mac({ platform, mdm: null, lastMdmEnrolledAt: null, lastMdmCheckedInAt: null, ...overrides });
}

/** An iPhone/iPad: no agent, so no detail_updated_at; Fleet hears from it through MDM. */
function mobile(platform: "ios" | "ipados", overrides: Partial<HostSnapshot> = {}): HostSnapshot {
  return mac({ platform, detailUpdatedAt: null, mdm: { enrollmentStatus: "On (company-owned)" }, ...overrides });
}

/** A Mac that was never MDM-enrolled (Fleet has no last_mdm_enrolled_at and we never saw MDM on). */
function neverMdmMac(enrollmentStatus: string | null, overrides: Partial<HostSnapshot> = {}): HostSnapshot {
  return mac({ mdm: { enrollmentStatus }, lastMdmEnrolledAt: null, lastMdmCheckedInAt: null, ...overrides });
}

function previousState(overrides: Partial<PreviousDeviceState> = {}): PreviousDeviceState {
  return { status: "ENROLLED", purgedAt: null, purgedBy: null, everMdmEnrolled: false, ...overrides };
}

type Scenario = {
  name: string;
  host: HostSnapshot;
  previous?: PreviousDeviceState | null;
  settings?: Partial<EngineSettings>;
  /** The status, then every problem's status in order. */
  expected: EnrollmentStatus[];
};

function run(scenario: Scenario): Evaluation {
  return evaluateDevice(scenario.host, scenario.previous ?? null, { ...SETTINGS, ...scenario.settings }, NOW);
}

const REMEDIATIONS_BY_STATUS: Record<Problem["status"], RemediationKind[]> = {
  UNENROLLED: ["RESEND_INVITATION"],
  OFFLINE: ["REENROLL"],
  PARTIALLY_ENROLLED: ["COMPLETE_ENROLLMENT"],
  MDM_PROFILE_MISSING: ["INSTALL_MACOS_PROFILE", "RENEW_APNS_CERTIFICATE"],
  AGENT_INACTIVE: ["DOWNLOAD_AGENT"],
};

/** Every problem lists its status's causes from the catalogue, in order, and a catalogue remediation. */
function expectFromCatalogue(problem: Problem): void {
  expect(problem.causes.map((cause) => cause.code)).toEqual(CAUSES_BY_STATUS[problem.status]);
  for (const cause of problem.causes) {
    expect(cause.text).toBe(CAUSE_TEXTS[cause.code]);
    expect(cause.likely === undefined || cause.likely === true).toBe(true);
  }
  expect(REMEDIATIONS_BY_STATUS[problem.status]).toContain(problem.remediation.kind);
  expect(problem.remediation.text).toBe(REMEDIATION_TEXTS[problem.remediation.kind]);
}

/** Checks status, every problem's status in order, and that each problem comes from the catalogue. */
function expectOutcome(scenario: Scenario): Evaluation {
  const evaluation = run(scenario);
  const [status, ...problemStatuses] = scenario.expected;
  expect(evaluation.status).toBe(status);
  expect(evaluation.problems.map((problem) => problem.status)).toEqual(problemStatuses);
  for (const problem of evaluation.problems) expectFromCatalogue(problem);
  return evaluation;
}

function likelyCodes(problem: Problem | undefined): CauseCode[] {
  return (problem?.causes ?? []).filter((cause) => cause.likely).map((cause) => cause.code);
}

describe("platform classes", () => {
  it.each<Scenario>([
    { name: "healthy Mac", host: mac(), expected: ["ENROLLED"] },
    { name: "healthy iPhone without agent data", host: mobile("ios"), expected: ["ENROLLED"] },
    { name: "healthy iPad without agent data", host: mobile("ipados"), expected: ["ENROLLED"] },
    { name: "healthy Windows PC", host: nonApple("windows"), expected: ["ENROLLED"] },
    { name: "healthy Ubuntu host", host: nonApple("ubuntu"), expected: ["ENROLLED"] },
    { name: "healthy Chromebook", host: nonApple("chrome"), expected: ["ENROLLED"] },
    {
      name: "platform case is ignored",
      host: neverMdmMac("Off", { platform: "Darwin" }),
      expected: ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED"],
    },
  ])("$name → $expected", (scenario) => {
    expectOutcome(scenario);
  });

  it.each<Scenario>([
    { name: "darwin", host: neverMdmMac("Off"), expected: ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED"] },
    {
      name: "ios",
      host: mobile("ios", { mdm: { enrollmentStatus: "Off" }, lastMdmEnrolledAt: null }),
      expected: ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED"],
    },
    {
      name: "ipados",
      host: mobile("ipados", { mdm: { enrollmentStatus: "Pending" }, lastMdmEnrolledAt: null }),
      expected: ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED"],
    },
    // Windows/Linux/ChromeOS skip the MDM rules even when Fleet reports an MDM state for them.
    { name: "windows", host: nonApple("windows", { mdm: { enrollmentStatus: "Off" } }), expected: ["ENROLLED"] },
    { name: "ubuntu", host: nonApple("ubuntu", { mdm: { enrollmentStatus: "Pending" } }), expected: ["ENROLLED"] },
    { name: "chrome", host: nonApple("chrome", { mdm: { enrollmentStatus: null } }), expected: ["ENROLLED"] },
  ])("MDM never on: $name → $expected", (scenario) => {
    expectOutcome(scenario);
  });

  it.each<Scenario>([
    { name: "darwin", host: mac({ detailUpdatedAt: null }), expected: ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED"] },
    {
      name: "windows",
      host: nonApple("windows", { detailUpdatedAt: null }),
      expected: ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED"],
    },
    {
      name: "ubuntu",
      host: nonApple("ubuntu", { detailUpdatedAt: null }),
      expected: ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED"],
    },
    {
      name: "chrome",
      host: nonApple("chrome", { detailUpdatedAt: null }),
      expected: ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED"],
    },
    // iOS/iPadOS/Android have no osquery agent: no agent data is their normal state.
    { name: "ios", host: mobile("ios", { detailUpdatedAt: null }), expected: ["ENROLLED"] },
    { name: "ipados", host: mobile("ipados", { detailUpdatedAt: null }), expected: ["ENROLLED"] },
    { name: "android", host: nonApple("android", { detailUpdatedAt: null }), expected: ["ENROLLED"] },
  ])("agent never reported: $name → $expected", (scenario) => {
    expectOutcome(scenario);
  });

  it.each<Scenario>([
    { name: "ios", host: mobile("ios", { detailUpdatedAt: ago(10 * DAY) }), expected: ["ENROLLED"] },
    { name: "ipados", host: mobile("ipados", { detailUpdatedAt: ago(10 * DAY) }), expected: ["ENROLLED"] },
    {
      name: "windows",
      host: nonApple("windows", { detailUpdatedAt: ago(10 * DAY) }),
      expected: ["AGENT_INACTIVE", "AGENT_INACTIVE"],
    },
    { name: "darwin", host: mac({ detailUpdatedAt: ago(10 * DAY) }), expected: ["AGENT_INACTIVE", "AGENT_INACTIVE"] },
  ])("stale detail data while in contact: $name → $expected", (scenario) => {
    expectOutcome(scenario);
  });
});

describe("MDM enrollment strings", () => {
  const strings = [
    ["On (manual)", true],
    ["On (automatic)", true],
    ["On (personal)", true],
    ["On (manual - personal)", true],
    ["On (company-owned)", true],
    ["Pending", false],
    ["Off", false],
    [null, false],
  ] as const;

  it.each(strings)("Mac once MDM-enrolled, MDM %j → on: %s", (enrollmentStatus, on) => {
    const evaluation = expectOutcome({
      name: String(enrollmentStatus),
      host: mac({ mdm: { enrollmentStatus } }),
      expected: on ? ["ENROLLED"] : ["MDM_PROFILE_MISSING", "MDM_PROFILE_MISSING"],
    });
    expect(evaluation.mdmEnrolled).toBe(on);
  });

  it.each(strings)("Mac never MDM-enrolled, MDM %j → on: %s", (enrollmentStatus, on) => {
    const evaluation = expectOutcome({
      name: String(enrollmentStatus),
      host: neverMdmMac(enrollmentStatus),
      expected: on ? ["ENROLLED"] : ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED"],
    });
    expect(evaluation.mdmEnrolled).toBe(on);
  });

  it.each(strings)("Windows PC, MDM %j → ENROLLED either way, mdmEnrolled %s", (enrollmentStatus, on) => {
    const evaluation = expectOutcome({
      name: String(enrollmentStatus),
      host: nonApple("windows", { mdm: { enrollmentStatus } }),
      expected: ["ENROLLED"],
    });
    expect(evaluation.mdmEnrolled).toBe(on);
  });

  it.each(["darwin", "ios", "ipados", "windows"])("%s with mdm null skips the MDM rules", (platform) => {
    const evaluation = expectOutcome({
      name: platform,
      host: mac({ platform, mdm: null, lastMdmEnrolledAt: null }),
      expected: ["ENROLLED"],
    });
    expect(evaluation.mdmEnrolled).toBe(false);
  });
});

describe("rule 1: UNENROLLED after a purge", () => {
  const purgedAt = ago(2 * DAY);

  it.each<Scenario & { likely: CauseCode[] }>([
    {
      name: "purged, host gone from Fleet's enrolment record",
      host: mac({ lastEnrolledAt: null }),
      previous: previousState({ purgedAt, purgedBy: "AUTO_UNENROLLMENT" }),
      expected: ["UNENROLLED", "UNENROLLED"],
      likely: ["PURGED_BY_AUTO_UNENROLLMENT"],
    },
    {
      name: "purged, last enrolment before the purge",
      host: mac({ lastEnrolledAt: ago(90 * DAY) }),
      previous: previousState({ purgedAt, purgedBy: "ADMIN" }),
      expected: ["UNENROLLED", "UNENROLLED"],
      likely: ["PURGED_BY_ADMIN"],
    },
    {
      name: "purged, last enrolment exactly at the purge",
      host: mac({ lastEnrolledAt: purgedAt }),
      previous: previousState({ purgedAt }),
      expected: ["UNENROLLED", "UNENROLLED"],
      likely: [],
    },
    {
      name: "purged, purgedBy absent",
      host: mac({ lastEnrolledAt: null }),
      previous: { status: "OFFLINE", purgedAt, everMdmEnrolled: true },
      expected: ["UNENROLLED", "UNENROLLED"],
      likely: [],
    },
    {
      // Only the invitation matters once purged: the stale Fleet facts' other problems are moot.
      name: "purged while offline and with MDM off",
      host: mac({
        seenTime: ago(40 * DAY),
        lastMdmCheckedInAt: ago(40 * DAY),
        detailUpdatedAt: ago(40 * DAY),
        mdm: { enrollmentStatus: "Off" },
      }),
      previous: previousState({ status: "OFFLINE", purgedAt, purgedBy: "AUTO_UNENROLLMENT" }),
      expected: ["UNENROLLED", "UNENROLLED"],
      likely: ["PURGED_BY_AUTO_UNENROLLMENT"],
    },
  ])("$name → UNENROLLED", (scenario) => {
    const evaluation = expectOutcome(scenario);
    expect(evaluation.problems[0]?.remediation.kind).toBe("RESEND_INVITATION");
    expect(likelyCodes(evaluation.problems[0])).toEqual(scenario.likely);
  });

  it.each<Scenario>([
    {
      name: "re-enrolled 1 ms after the purge, healthy",
      host: mac({ lastEnrolledAt: new Date(purgedAt.getTime() + 1) }),
      previous: previousState({ status: "UNENROLLED", purgedAt }),
      expected: ["ENROLLED"],
    },
    {
      name: "re-enrolled after the purge, agent not reported yet",
      host: nonApple("windows", { lastEnrolledAt: ago(1 * HOUR), detailUpdatedAt: null }),
      previous: previousState({ status: "UNENROLLED", purgedAt, purgedBy: "ADMIN" }),
      expected: ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED"],
    },
    {
      name: "re-enrolled after the purge, MDM still pending, remembered as once enrolled",
      host: mac({ lastEnrolledAt: ago(1 * HOUR), mdm: { enrollmentStatus: "Pending" }, lastMdmEnrolledAt: null }),
      previous: previousState({ status: "UNENROLLED", purgedAt, everMdmEnrolled: true }),
      expected: ["MDM_PROFILE_MISSING", "MDM_PROFILE_MISSING"],
    },
    {
      name: "never purged (previous null)",
      host: mac({ lastEnrolledAt: null }),
      previous: null,
      expected: ["ENROLLED"],
    },
  ])("$name → back to normal evaluation: $expected", (scenario) => {
    expectOutcome(scenario);
  });
});

describe("rule 2: OFFLINE after offlineAfterDays of silence", () => {
  const threshold = 7 * DAY;
  /** Silent device whose agent data is as old as its last contact (so the agent rule stays quiet). */
  const silentSince = (seen: number | null, mdmCheckIn: number | null, overrides: Partial<HostSnapshot> = {}) =>
    mac({
      seenTime: seen === null ? null : ago(seen),
      lastMdmCheckedInAt: mdmCheckIn === null ? null : ago(mdmCheckIn),
      detailUpdatedAt: ago(Math.max(seen ?? 0, mdmCheckIn ?? 0)),
      ...overrides,
    });

  it.each<Scenario>([
    { name: "both contacts exactly at the threshold", host: silentSince(threshold, threshold), expected: ["ENROLLED"] },
    {
      name: "both contacts 1 ms past the threshold",
      host: silentSince(threshold + 1, threshold + 1),
      expected: ["OFFLINE", "OFFLINE"],
    },
    { name: "agent only, exactly at the threshold", host: silentSince(threshold, null), expected: ["ENROLLED"] },
    { name: "agent only, 1 ms past", host: silentSince(threshold + 1, null), expected: ["OFFLINE", "OFFLINE"] },
    { name: "MDM check-in only, exactly at the threshold", host: silentSince(null, threshold), expected: ["ENROLLED"] },
    { name: "MDM check-in only, 1 ms past", host: silentSince(null, threshold + 1), expected: ["OFFLINE", "OFFLINE"] },
    {
      name: "agent silent 30 days but MDM checked in 1 h ago (later contact wins)",
      host: mac({ seenTime: ago(30 * DAY), lastMdmCheckedInAt: ago(HOUR), detailUpdatedAt: ago(30 * MINUTE) }),
      expected: ["ENROLLED"],
    },
    {
      name: "MDM silent 30 days but agent seen 1 h ago",
      host: mac({ seenTime: ago(HOUR), lastMdmCheckedInAt: ago(30 * DAY), detailUpdatedAt: ago(30 * MINUTE) }),
      expected: ["ENROLLED"],
    },
    {
      name: "no contact known, enrolled exactly at the threshold",
      host: silentSince(null, null, { lastEnrolledAt: ago(threshold) }),
      expected: ["ENROLLED"],
    },
    {
      name: "no contact known, enrolled 1 ms past the threshold",
      host: silentSince(null, null, { lastEnrolledAt: ago(threshold + 1) }),
      expected: ["OFFLINE", "OFFLINE"],
    },
    {
      name: "no contact and no enrolment time known",
      host: silentSince(null, null, { lastEnrolledAt: null }),
      expected: ["ENROLLED"],
    },
    {
      name: "a 1-day threshold, 1 ms past",
      host: silentSince(DAY + 1, DAY + 1),
      settings: { offlineAfterDays: 1 },
      expected: ["OFFLINE", "OFFLINE"],
    },
    {
      name: "a 30-day threshold, 10 days silent",
      host: silentSince(10 * DAY, 10 * DAY),
      settings: { offlineAfterDays: 30 },
      expected: ["ENROLLED"],
    },
    {
      name: "Windows PC, 1 ms past",
      host: nonApple("windows", { seenTime: ago(threshold + 1), detailUpdatedAt: ago(threshold + 1) }),
      expected: ["OFFLINE", "OFFLINE"],
    },
    {
      name: "iPhone, MDM check-in 1 ms past",
      host: mobile("ios", { seenTime: null, lastMdmCheckedInAt: ago(threshold + 1) }),
      expected: ["OFFLINE", "OFFLINE"],
    },
  ])("$name → $expected", (scenario) => {
    const evaluation = expectOutcome(scenario);
    if (evaluation.status === "OFFLINE") {
      expect(evaluation.problems[0]?.remediation.kind).toBe("REENROLL");
      expect(likelyCodes(evaluation.problems[0])).toEqual([]);
    }
  });
});

describe("rule 3: PARTIALLY_ENROLLED", () => {
  it.each<Scenario & { likely: CauseCode[] }>([
    {
      name: "agent checked in but never delivered data",
      host: nonApple("windows", { detailUpdatedAt: null, seenTime: ago(MINUTE) }),
      expected: ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED"],
      likely: ["NOT_CONNECTED_LONG_ENOUGH"],
    },
    {
      name: "agent never checked in (Fleet zero times)",
      host: nonApple("ubuntu", {
        seenTime: parseFleetTime("0001-01-01T00:00:00Z"),
        detailUpdatedAt: parseFleetTime("0001-01-01T00:00:00Z"),
        lastEnrolledAt: ago(HOUR),
      }),
      expected: ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED"],
      likely: ["AGENT_INSTALL_INCOMPLETE"],
    },
    {
      name: "Mac MDM pending, never enrolled",
      host: neverMdmMac("Pending"),
      expected: ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED"],
      likely: ["ENROLLMENT_STEPS_NOT_COMPLETED"],
    },
    {
      name: "Mac MDM pending and agent never reported: one problem, both hints",
      host: neverMdmMac("Pending", { detailUpdatedAt: null }),
      expected: ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED"],
      likely: ["ENROLLMENT_STEPS_NOT_COMPLETED", "NOT_CONNECTED_LONG_ENOUGH"],
    },
    {
      name: "Mac MDM off, never enrolled, previous state not remembered as enrolled",
      host: neverMdmMac("Off"),
      previous: previousState({ everMdmEnrolled: false }),
      expected: ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED"],
      likely: ["ENROLLMENT_STEPS_NOT_COMPLETED"],
    },
  ])("$name", (scenario) => {
    const evaluation = expectOutcome(scenario);
    expect(evaluation.problems[0]?.remediation.kind).toBe("COMPLETE_ENROLLMENT");
    expect(likelyCodes(evaluation.problems[0])).toEqual(scenario.likely);
  });
});

describe("rule 4: MDM_PROFILE_MISSING", () => {
  it.each<Scenario & { remediation: RemediationKind; likely: CauseCode[] }>([
    {
      name: "MDM Off after Fleet saw it enrolled",
      host: mac({ mdm: { enrollmentStatus: "Off" } }),
      expected: ["MDM_PROFILE_MISSING", "MDM_PROFILE_MISSING"],
      remediation: "INSTALL_MACOS_PROFILE",
      likely: ["PROFILE_REMOVED_BY_USER", "MDM_TURNED_OFF_FROM_FLEET"],
    },
    {
      name: "MDM Off, Fleet lost last_mdm_enrolled_at but we remember it enrolled",
      host: neverMdmMac("Off"),
      previous: previousState({ everMdmEnrolled: true }),
      expected: ["MDM_PROFILE_MISSING", "MDM_PROFILE_MISSING"],
      remediation: "INSTALL_MACOS_PROFILE",
      likely: ["PROFILE_REMOVED_BY_USER", "MDM_TURNED_OFF_FROM_FLEET"],
    },
    {
      name: "MDM Pending after having been enrolled (no hint which cause)",
      host: mac({ mdm: { enrollmentStatus: "Pending" } }),
      expected: ["MDM_PROFILE_MISSING", "MDM_PROFILE_MISSING"],
      remediation: "INSTALL_MACOS_PROFILE",
      likely: [],
    },
    {
      name: "MDM status null after having been enrolled",
      host: mac({ mdm: { enrollmentStatus: null } }),
      expected: ["MDM_PROFILE_MISSING", "MDM_PROFILE_MISSING"],
      remediation: "INSTALL_MACOS_PROFILE",
      likely: [],
    },
    {
      name: "iPad MDM Off after having been enrolled",
      host: mobile("ipados", { mdm: { enrollmentStatus: "Off" } }),
      expected: ["MDM_PROFILE_MISSING", "MDM_PROFILE_MISSING"],
      remediation: "INSTALL_MACOS_PROFILE",
      likely: ["PROFILE_REMOVED_BY_USER", "MDM_TURNED_OFF_FROM_FLEET"],
    },
    {
      name: "MDM on, APNs certificate expired exactly now",
      host: mac(),
      settings: { apnsCertificateExpiresAt: NOW },
      expected: ["MDM_PROFILE_MISSING", "MDM_PROFILE_MISSING"],
      remediation: "RENEW_APNS_CERTIFICATE",
      likely: ["APNS_CERTIFICATE_EXPIRED"],
    },
    {
      name: "iPhone MDM on, APNs certificate expired a month ago",
      host: mobile("ios"),
      settings: { apnsCertificateExpiresAt: ago(30 * DAY) },
      expected: ["MDM_PROFILE_MISSING", "MDM_PROFILE_MISSING"],
      remediation: "RENEW_APNS_CERTIFICATE",
      likely: ["APNS_CERTIFICATE_EXPIRED"],
    },
    {
      name: "MDM Off after enrolment and APNs expired: renewing comes first",
      host: mac({ mdm: { enrollmentStatus: "Off" } }),
      settings: { apnsCertificateExpiresAt: ago(DAY) },
      expected: ["MDM_PROFILE_MISSING", "MDM_PROFILE_MISSING"],
      remediation: "RENEW_APNS_CERTIFICATE",
      likely: ["PROFILE_REMOVED_BY_USER", "APNS_CERTIFICATE_EXPIRED", "MDM_TURNED_OFF_FROM_FLEET"],
    },
  ])("$name", (scenario) => {
    const evaluation = expectOutcome(scenario);
    expect(evaluation.problems[0]?.remediation.kind).toBe(scenario.remediation);
    expect(likelyCodes(evaluation.problems[0])).toEqual(scenario.likely);
  });

  it.each<Scenario>([
    {
      name: "certificate expires 1 ms from now",
      host: mac(),
      settings: { apnsCertificateExpiresAt: new Date(NOW.getTime() + 1) },
      expected: ["ENROLLED"],
    },
    {
      name: "no certificate date known",
      host: mac(),
      settings: { apnsCertificateExpiresAt: null },
      expected: ["ENROLLED"],
    },
    {
      name: "expired, but a Windows PC",
      host: nonApple("windows", { mdm: { enrollmentStatus: "On (manual)" } }),
      settings: { apnsCertificateExpiresAt: ago(DAY) },
      expected: ["ENROLLED"],
    },
    {
      name: "expired, but the Mac has no MDM info",
      host: mac({ mdm: null }),
      settings: { apnsCertificateExpiresAt: ago(DAY) },
      expected: ["ENROLLED"],
    },
    {
      name: "expired, Mac never MDM-enrolled: partial enrolment only",
      host: neverMdmMac("Pending"),
      settings: { apnsCertificateExpiresAt: ago(DAY) },
      expected: ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED"],
    },
  ])("APNs: $name → $expected", (scenario) => {
    expectOutcome(scenario);
  });
});

describe("rule 5: AGENT_INACTIVE after agentInactiveAfterHours without agent data", () => {
  const threshold = 24 * HOUR;

  it.each<Scenario>([
    {
      name: "detail data exactly at the threshold",
      host: mac({ detailUpdatedAt: ago(threshold) }),
      expected: ["ENROLLED"],
    },
    {
      name: "detail data 1 ms past the threshold",
      host: mac({ detailUpdatedAt: ago(threshold + 1) }),
      expected: ["AGENT_INACTIVE", "AGENT_INACTIVE"],
    },
    {
      name: "stale detail, last contact exactly at the threshold (still in contact)",
      host: mac({ detailUpdatedAt: ago(3 * DAY), seenTime: ago(threshold), lastMdmCheckedInAt: ago(threshold) }),
      expected: ["AGENT_INACTIVE", "AGENT_INACTIVE"],
    },
    {
      name: "stale detail, last contact 1 ms past the threshold (device away, not a broken agent)",
      host: mac({
        detailUpdatedAt: ago(3 * DAY),
        seenTime: ago(threshold + 1),
        lastMdmCheckedInAt: ago(threshold + 1),
      }),
      expected: ["ENROLLED"],
    },
    {
      name: "agent silent too, device alive through MDM check-ins",
      host: mac({ detailUpdatedAt: ago(3 * DAY), seenTime: ago(3 * DAY), lastMdmCheckedInAt: ago(MINUTE) }),
      expected: ["AGENT_INACTIVE", "AGENT_INACTIVE"],
    },
    {
      name: "stale detail, no contact known at all",
      host: mac({
        detailUpdatedAt: ago(3 * DAY),
        seenTime: null,
        lastMdmCheckedInAt: null,
        lastEnrolledAt: ago(3 * DAY),
      }),
      expected: ["ENROLLED"],
    },
    {
      name: "a 48-hour threshold, 30 h without data",
      host: mac({ detailUpdatedAt: ago(30 * HOUR) }),
      settings: { agentInactiveAfterHours: 48 },
      expected: ["ENROLLED"],
    },
    {
      name: "a 1-hour threshold, 1 ms past",
      host: nonApple("ubuntu", { detailUpdatedAt: ago(HOUR + 1), seenTime: ago(MINUTE) }),
      settings: { agentInactiveAfterHours: 1 },
      expected: ["AGENT_INACTIVE", "AGENT_INACTIVE"],
    },
  ])("$name → $expected", (scenario) => {
    const evaluation = expectOutcome(scenario);
    if (evaluation.status === "AGENT_INACTIVE") {
      expect(evaluation.problems[0]?.remediation.kind).toBe("DOWNLOAD_AGENT");
      expect(likelyCodes(evaluation.problems[0])).toEqual([]);
    }
  });

  it("marks an expired APNs certificate likely on an Apple device only", () => {
    const settings = { apnsCertificateExpiresAt: ago(DAY) };
    const onMac = expectOutcome({
      name: "mac",
      host: mac({ detailUpdatedAt: ago(3 * DAY) }),
      settings,
      expected: ["MDM_PROFILE_MISSING", "MDM_PROFILE_MISSING", "AGENT_INACTIVE"],
    });
    expect(likelyCodes(onMac.problems[1])).toEqual(["APNS_CERTIFICATE_EXPIRED"]);
    const onWindows = expectOutcome({
      name: "windows",
      host: nonApple("windows", { detailUpdatedAt: ago(3 * DAY) }),
      settings,
      expected: ["AGENT_INACTIVE", "AGENT_INACTIVE"],
    });
    expect(likelyCodes(onWindows.problems[0])).toEqual([]);
  });
});

describe("first match wins; every problem is listed, primary first", () => {
  it.each<Scenario>([
    {
      name: "offline and MDM off after enrolment",
      host: mac({
        seenTime: ago(10 * DAY),
        lastMdmCheckedInAt: ago(10 * DAY),
        detailUpdatedAt: ago(10 * DAY),
        mdm: { enrollmentStatus: "Off" },
      }),
      expected: ["OFFLINE", "OFFLINE", "MDM_PROFILE_MISSING"],
    },
    {
      name: "offline and agent never reported",
      host: nonApple("windows", { seenTime: null, detailUpdatedAt: null, lastEnrolledAt: ago(10 * DAY) }),
      expected: ["OFFLINE", "OFFLINE", "PARTIALLY_ENROLLED"],
    },
    {
      name: "offline, agent never reported and MDM never on",
      host: neverMdmMac("Pending", { seenTime: ago(10 * DAY), detailUpdatedAt: null }),
      expected: ["OFFLINE", "OFFLINE", "PARTIALLY_ENROLLED"],
    },
    {
      name: "agent never reported and MDM off after enrolment",
      host: mac({ detailUpdatedAt: null, mdm: { enrollmentStatus: "Off" } }),
      expected: ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED", "MDM_PROFILE_MISSING"],
    },
    {
      name: "MDM off after enrolment and agent inactive",
      host: mac({ detailUpdatedAt: ago(3 * DAY), mdm: { enrollmentStatus: "Off" } }),
      expected: ["MDM_PROFILE_MISSING", "MDM_PROFILE_MISSING", "AGENT_INACTIVE"],
    },
    {
      name: "MDM never on and agent inactive",
      host: neverMdmMac("Pending", { detailUpdatedAt: ago(3 * DAY), seenTime: ago(MINUTE) }),
      expected: ["PARTIALLY_ENROLLED", "PARTIALLY_ENROLLED", "AGENT_INACTIVE"],
    },
    {
      // With agentInactiveAfterHours beyond the offline threshold both timing rules can hold.
      name: "offline and agent inactive under a long agent threshold",
      host: mac({ seenTime: ago(8 * DAY), lastMdmCheckedInAt: ago(8 * DAY), detailUpdatedAt: ago(20 * DAY) }),
      settings: { agentInactiveAfterHours: 240 },
      expected: ["OFFLINE", "OFFLINE", "AGENT_INACTIVE"],
    },
  ])("$name → $expected", (scenario) => {
    expectOutcome(scenario);
  });

  it("ENROLLED has no problems", () => {
    const evaluation = run({ name: "healthy", host: mac(), expected: ["ENROLLED"] });
    expect(evaluation).toEqual({ status: "ENROLLED", problems: [], mdmEnrolled: true });
  });
});

describe("everMdmEnrolled decides partial enrolment vs missing profile", () => {
  it.each([
    [null, null, "PARTIALLY_ENROLLED"],
    [false, null, "PARTIALLY_ENROLLED"],
    [true, null, "MDM_PROFILE_MISSING"],
    [null, ago(30 * DAY), "MDM_PROFILE_MISSING"],
    [false, ago(30 * DAY), "MDM_PROFILE_MISSING"],
  ] as const)(
    "previous everMdmEnrolled %s, lastMdmEnrolledAt %s → %s",
    (everMdmEnrolled, lastMdmEnrolledAt, expected) => {
      const previous = everMdmEnrolled === null ? null : previousState({ everMdmEnrolled });
      const evaluation = evaluateDevice(
        mac({ mdm: { enrollmentStatus: "Off" }, lastMdmEnrolledAt }),
        previous,
        SETTINGS,
        NOW,
      );
      expect(evaluation.status).toBe(expected);
      expect(evaluation.mdmEnrolled).toBe(false);
    },
  );
});

describe("Fleet hosts as Fleet sends them", () => {
  /** A list item as in fleet-api.md, with the times parsed the way the sync runner will. */
  function fromFleet(raw: {
    platform: string;
    seen_time: string;
    detail_updated_at: string;
    last_enrolled_at: string;
    mdm: { enrollment_status: string | null } | null;
    last_mdm_enrolled_at?: string | null;
    last_mdm_checked_in_at?: string | null;
  }): HostSnapshot {
    return {
      platform: raw.platform,
      seenTime: parseFleetTime(raw.seen_time),
      detailUpdatedAt: parseFleetTime(raw.detail_updated_at),
      lastEnrolledAt: parseFleetTime(raw.last_enrolled_at),
      mdm: raw.mdm === null ? null : { enrollmentStatus: raw.mdm.enrollment_status },
      lastMdmEnrolledAt: parseFleetTime(raw.last_mdm_enrolled_at),
      lastMdmCheckedInAt: parseFleetTime(raw.last_mdm_checked_in_at),
    };
  }

  const ZERO = "0001-01-01T00:00:00Z";

  it.each<[string, Parameters<typeof fromFleet>[0], EnrollmentStatus]>([
    [
      "the documented example host",
      {
        platform: "darwin",
        seen_time: "2025-06-02T11:59:41Z",
        detail_updated_at: "2025-06-02T11:55:00Z",
        last_enrolled_at: "2025-03-01T09:00:05Z",
        mdm: { enrollment_status: "On (automatic)" },
      },
      "ENROLLED",
    ],
    [
      "agent enrolled, zero detail time, MDM pending (pre-4.68 Fleet: no MDM times)",
      {
        platform: "darwin",
        seen_time: "2025-06-02T11:59:41Z",
        detail_updated_at: ZERO,
        last_enrolled_at: "2025-06-02T11:50:00Z",
        mdm: { enrollment_status: "Pending" },
      },
      "PARTIALLY_ENROLLED",
    ],
    [
      "zero MDM enrolment time and MDM off",
      {
        platform: "darwin",
        seen_time: "2025-06-02T11:59:41Z",
        detail_updated_at: "2025-06-02T11:55:00Z",
        last_enrolled_at: "2025-03-01T09:00:05Z",
        mdm: { enrollment_status: "Off" },
        last_mdm_enrolled_at: ZERO,
        last_mdm_checked_in_at: ZERO,
      },
      "PARTIALLY_ENROLLED",
    ],
    [
      "every time zero, enrolled long ago (no contact ever)",
      {
        platform: "windows",
        seen_time: ZERO,
        detail_updated_at: ZERO,
        last_enrolled_at: "2025-01-01T00:00:00Z",
        mdm: null,
      },
      "OFFLINE",
    ],
  ])("%s → %s", (_name, raw, expected) => {
    expect(evaluateDevice(fromFleet(raw), null, SETTINGS, NOW).status).toBe(expected);
  });
});

describe("purity", () => {
  it("gives the same answer for the same input and does not mutate it", () => {
    const host = Object.freeze(mac({ mdm: Object.freeze({ enrollmentStatus: "Off" }) }));
    const previous = Object.freeze(previousState({ everMdmEnrolled: true }));
    const settings = Object.freeze({ ...SETTINGS });
    const first = evaluateDevice(host, previous, settings, NOW);
    const second = evaluateDevice(host, previous, settings, NOW);
    expect(second).toEqual(first);
    expect(second.problems[0]).not.toBe(first.problems[0]);
  });

  it("judges time against the given now, not the clock", () => {
    const host = mac({ seenTime: new Date("2020-01-01T00:00:00Z"), lastMdmCheckedInAt: null });
    const then = new Date("2020-01-01T01:00:00Z");
    expect(evaluateDevice({ ...host, detailUpdatedAt: then }, null, SETTINGS, then).status).toBe("ENROLLED");
    expect(evaluateDevice(host, null, SETTINGS, NOW).status).toBe("OFFLINE");
  });
});

describe("problems come from the catalogue", () => {
  // One device per problem kind, so a status or remediation the tables stop producing is noticed.
  it.each<[Problem["status"], RemediationKind, HostSnapshot, PreviousDeviceState | null, Partial<EngineSettings>]>([
    ["UNENROLLED", "RESEND_INVITATION", mac({ lastEnrolledAt: null }), previousState({ purgedAt: ago(DAY) }), {}],
    ["OFFLINE", "REENROLL", mac({ seenTime: ago(9 * DAY), lastMdmCheckedInAt: ago(9 * DAY) }), null, {}],
    ["PARTIALLY_ENROLLED", "COMPLETE_ENROLLMENT", neverMdmMac("Pending"), null, {}],
    ["MDM_PROFILE_MISSING", "INSTALL_MACOS_PROFILE", mac({ mdm: { enrollmentStatus: "Off" } }), null, {}],
    ["MDM_PROFILE_MISSING", "RENEW_APNS_CERTIFICATE", mac(), null, { apnsCertificateExpiresAt: ago(DAY) }],
    ["AGENT_INACTIVE", "DOWNLOAD_AGENT", mac({ detailUpdatedAt: ago(2 * DAY) }), null, {}],
  ])("%s → %s", (status, remediation, host, previous, settings) => {
    const [problem] = evaluateDevice(host, previous, { ...SETTINGS, ...settings }, NOW).problems;
    expect(problem?.status).toBe(status);
    expect(problem?.remediation).toEqual({ kind: remediation, text: REMEDIATION_TEXTS[remediation] });
    expect(problem?.causes).toEqual(
      CAUSES_BY_STATUS[status].map((code) => expect.objectContaining({ code, text: CAUSE_TEXTS[code] })),
    );
  });
});
