import { describe, expect, it } from "vitest";
import { type EngineSettings, evaluateDevice, type HostSnapshot, type Problem } from "../src/engine/index.ts";
import type { FleetHostRecord } from "../src/fleet/FleetHostRecord.ts";
import { cyrb53Fields, hourOf, problemsKey, snapshotHash } from "../src/sync/SnapshotHash.ts";

const NOW = new Date("2026-12-01T12:00:00.000Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const SETTINGS: EngineSettings = { agentInactiveAfterHours: 24, offlineAfterDays: 7, apnsCertificateExpiresAt: null };

function record(overrides: Partial<FleetHostRecord> = {}, snapshot: Partial<HostSnapshot> = {}): FleetHostRecord {
  return {
    fleetHostId: 7,
    uuid: "19C27719-6CFF-49B2-8CAA-6234061BDCA3",
    serial: "C02XK1JHJG5H",
    name: "ana-macbook",
    osVersion: "macOS 15.1",
    teamName: "Engineering",
    ownerEmail: "ana.lopez@example.com",
    ownerName: "Ana López",
    detailed: true,
    snapshot: {
      platform: "darwin",
      seenTime: ago(5 * 60_000),
      detailUpdatedAt: ago(30 * 60_000),
      lastEnrolledAt: ago(90 * DAY),
      mdm: { enrollmentStatus: "On (automatic)" },
      lastMdmEnrolledAt: ago(90 * DAY),
      lastMdmCheckedInAt: ago(10 * 60_000),
      ...snapshot,
    },
    ...overrides,
  };
}

/** The documented field list the stored hashes were made from before the sync streamed them. */
function listForm(r: FleetHostRecord, status: string, problems: readonly Problem[], ever: boolean): string {
  const s = r.snapshot;
  return cyrb53Fields([
    r.uuid,
    r.serial,
    r.name,
    r.osVersion,
    r.teamName,
    r.ownerEmail,
    s.platform,
    hourOf(s.seenTime),
    hourOf(s.detailUpdatedAt),
    s.lastEnrolledAt?.getTime(),
    s.mdm === null ? 0 : 1,
    s.mdm?.enrollmentStatus,
    s.lastMdmEnrolledAt?.getTime(),
    hourOf(s.lastMdmCheckedInAt),
    ever ? 1 : 0,
    status,
    problemsKey(problems),
  ]).toString();
}

function hashOf(r: FleetHostRecord, ever = false): string {
  const evaluation = evaluateDevice(r.snapshot, null, SETTINGS, NOW);
  return snapshotHash(r, evaluation.status, evaluation.problems, ever);
}

const HOSTS: [string, FleetHostRecord][] = [
  ["an enrolled Mac", record()],
  [
    "a Linux laptop without MDM",
    record(
      { osVersion: "Ubuntu 24.04 LTS" },
      { platform: "ubuntu", mdm: null, lastMdmEnrolledAt: null, lastMdmCheckedInAt: null },
    ),
  ],
  [
    "a Mac offline for weeks",
    record({}, { seenTime: ago(30 * DAY), detailUpdatedAt: ago(30 * DAY), lastMdmCheckedInAt: ago(30 * DAY) }),
  ],
  ["a Mac whose MDM profile was removed", record({}, { mdm: { enrollmentStatus: "Off" } })],
  [
    "a Mac with its profile removed and its agent stopped (two problems, two likely causes)",
    record({}, { mdm: { enrollmentStatus: "Off" }, detailUpdatedAt: ago(3 * DAY) }),
  ],
  [
    "a Mac with MDM pending, never enrolled",
    record({}, { mdm: { enrollmentStatus: "Pending" }, lastMdmEnrolledAt: null, lastMdmCheckedInAt: null }),
  ],
  [
    "an iPhone without agent data",
    record({ name: "iPhone 15", serial: null }, { platform: "ios", detailUpdatedAt: null }),
  ],
  [
    "a host with nothing but a name",
    record(
      { uuid: null, serial: null, osVersion: null, teamName: null, ownerEmail: null },
      {
        mdm: null,
        lastEnrolledAt: null,
        seenTime: null,
        detailUpdatedAt: null,
        lastMdmEnrolledAt: null,
        lastMdmCheckedInAt: null,
      },
    ),
  ],
  [
    "names outside ASCII",
    record({ name: "Zoë’s MacBook 💻", ownerEmail: "zoë@example.com", teamName: "Ventas España" }),
  ],
];

describe("snapshotHash", () => {
  it.each(HOSTS)("of %s equals the list form the stored hashes were made with", (_name, r) => {
    const evaluation = evaluateDevice(r.snapshot, null, SETTINGS, NOW);
    for (const ever of [false, true]) {
      expect(snapshotHash(r, evaluation.status, evaluation.problems, ever)).toBe(
        listForm(r, evaluation.status, evaluation.problems, ever),
      );
    }
  });

  it("reads every problem of a multi-problem host (not only the first)", () => {
    const r = HOSTS[4]?.[1] ?? record();
    const { status, problems } = evaluateDevice(r.snapshot, null, SETTINGS, NOW);
    expect(problems.length).toBeGreaterThan(1);
    expect(snapshotHash(r, status, problems, false)).not.toBe(snapshotHash(r, status, problems.slice(0, 1), false));
  });

  it("keeps the value stored hashes have (a format change would rewrite every device once)", () => {
    // Values computed by the implementation that wrote the hashes stored today.
    expect(cyrb53Fields([])).toBe(3338908027751811);
    expect(cyrb53Fields(["ana", 1_733_000_000_000, null])).toBe(8154460637865824);
    expect(cyrb53Fields(["Zoë 💻", "", undefined, 0])).toBe(8943725629151871);
  });

  const changes: [string, FleetHostRecord][] = [
    ["the serial", record({ serial: "C02XK1JHJG5J" })],
    ["the name", record({ name: "ana-macbook-2" })],
    ["the OS version", record({ osVersion: "macOS 15.2" })],
    ["the team", record({ teamName: null })],
    ["the owner", record({ ownerEmail: "ben@example.com" })],
    ["text moving from the name to the OS version", record({ name: "ana-macboo", osVersion: "kmacOS 15.1" })],
    ["an empty serial instead of none", record({ serial: "" })],
    ["the MDM status", record({}, { mdm: { enrollmentStatus: "On (manual)" } })],
    ["the last enrolment", record({}, { lastEnrolledAt: ago(89 * DAY) })],
    ["last seen moving by more than an hour", record({}, { seenTime: ago(2 * HOUR) })],
  ];
  it.each(changes)("changes with %s", (_name, changed) => {
    expect(hashOf(changed)).not.toBe(hashOf(record()));
  });

  it("does not change while last seen moves within the hour, or with the owner's name", () => {
    const base = record({}, { seenTime: new Date("2026-12-01T11:10:00Z") });
    const later = record({ ownerName: "Ana María López" }, { seenTime: new Date("2026-12-01T11:50:00Z") });
    expect(hashOf(later)).toBe(hashOf(base));
  });

  it("changes when the device was ever MDM-enrolled", () => {
    expect(hashOf(record(), true)).not.toBe(hashOf(record(), false));
  });
});
