import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  CAUSE_TEXTS,
  CAUSES_BY_STATUS,
  causesFor,
  ENROLLMENT_STATUSES,
  EnrollmentStatus,
  MESSAGE_KINDS,
  REMEDIATION_KINDS,
  REMEDIATION_MESSAGE_KIND,
  REMEDIATION_TEXTS,
} from "../src/engine/index.ts";

const schema = readFileSync(new URL("../../../prisma/schema.prisma", import.meta.url), "utf8");

function prismaEnum(name: string): string[] {
  const body = new RegExp(`enum ${name} \\{([^}]*)\\}`).exec(schema)?.[1] ?? "";
  return body
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /^[A-Z_]+$/.test(line));
}

describe("vocabulary matches the database", () => {
  it("EnrollmentStatus has the Prisma enum's names, in its order", () => {
    expect(ENROLLMENT_STATUSES).toEqual(prismaEnum("EnrollmentStatus"));
    expect(Object.values(EnrollmentStatus)).toEqual(prismaEnum("EnrollmentStatus"));
  });

  it("message kinds an admin can send are the Prisma enum MessageKind, less the admins' alert e-mails", () => {
    expect([...MESSAGE_KINDS, "ALERT_OPENED", "ALERT_DIGEST"]).toEqual(prismaEnum("MessageKind"));
  });
});

describe("cause catalogue", () => {
  it("has causes for every status but ENROLLED", () => {
    expect(Object.keys(CAUSES_BY_STATUS).sort()).toEqual(ENROLLMENT_STATUSES.filter((s) => s !== "ENROLLED").sort());
  });

  it.each(Object.entries(CAUSES_BY_STATUS))("%s lists known, distinct SCREAMING_SNAKE codes", (_status, codes) => {
    expect(codes.length).toBeGreaterThan(0);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) {
      expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(CAUSE_TEXTS[code]).toMatch(/^[A-Z].*\.$/);
    }
  });

  it("every cause text is used by some status", () => {
    const used = new Set(Object.values(CAUSES_BY_STATUS).flat());
    expect([...used].sort()).toEqual(Object.keys(CAUSE_TEXTS).sort());
  });

  it.each([
    ["PARTIALLY_ENROLLED", "AGENT_INSTALL_INCOMPLETE", "The Fleet agent installation is incomplete (mainly on macOS)."],
    ["AGENT_INACTIVE", "OSQUERYD_STOPPED", "osqueryd service (used by FleetDM) has stopped"],
    ["AGENT_INACTIVE", "APNS_CERTIFICATE_EXPIRED", "APN (Apple Push Notification) certificate has expired"],
    ["MDM_PROFILE_MISSING", "PROFILE_REMOVED_BY_USER", "an admin user can remove an unlocked MDM profile"],
    ["MDM_PROFILE_MISSING", "MDM_TURNED_OFF_FROM_FLEET", "turn off MDM"],
    ["OFFLINE", "NETWORK_BLOCKS_FLEET", "The device is on a network that blocks access to the FleetDM server."],
    ["UNENROLLED", "PURGED_BY_AUTO_UNENROLLMENT", "auto-unenrollment"],
  ] as const)("%s %s uses the article's wording", (status, code, words) => {
    expect(CAUSES_BY_STATUS[status]).toContain(code);
    expect(CAUSE_TEXTS[code]).toContain(words);
  });

  it("causesFor marks only the likely causes, leaving `likely` absent on the others", () => {
    expect(causesFor("OFFLINE", new Set(["PROXY_OR_FIREWALL"]))).toEqual([
      { code: "NETWORK_BLOCKS_FLEET", text: CAUSE_TEXTS.NETWORK_BLOCKS_FLEET },
      { code: "OFFLINE_TOO_LONG", text: CAUSE_TEXTS.OFFLINE_TOO_LONG },
      { code: "PROXY_OR_FIREWALL", text: CAUSE_TEXTS.PROXY_OR_FIREWALL, likely: true },
    ]);
  });
});

describe("remediations", () => {
  it.each([
    ["INSTALL_MACOS_PROFILE", "MACOS_PROFILE_GUIDE", 'section "Installation on macOS"'],
    ["DOWNLOAD_AGENT", "AGENT_DOWNLOAD_LINK", "download the agent independently"],
    ["REENROLL", "ENROLLMENT_INVITATION", "re-enroll their device"],
    ["COMPLETE_ENROLLMENT", "AGENT_DOWNLOAD_LINK", "complete all the enrollment steps"],
    ["RESEND_INVITATION", "ENROLLMENT_INVITATION", "Resend the MDM invitation"],
    ["RENEW_APNS_CERTIFICATE", null, "Renew the APN (Apple Push Notification) certificate"],
  ] as const)("%s sends %s and says %j", (kind, messageKind, words) => {
    expect(REMEDIATION_MESSAGE_KIND[kind]).toBe(messageKind);
    expect(REMEDIATION_TEXTS[kind]).toContain(words);
  });

  it("lists every remediation kind once", () => {
    expect([...REMEDIATION_KINDS].sort()).toEqual(Object.keys(REMEDIATION_MESSAGE_KIND).sort());
    expect(REMEDIATION_KINDS).toHaveLength(6);
  });
});
