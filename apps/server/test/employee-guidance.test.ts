import { ENROLLMENT_STATUSES, type EnrollmentStatus, platformName } from "@enrollwatch/sync";
import { describe, expect, it } from "vitest";
import { downloadsFor, guidanceFor } from "../src/employee/EmployeeGuidance.ts";

const PLATFORMS = ["darwin", "ios", "ipados", "windows", "ubuntu", "chrome", "android"];
const AGENT = "https://downloads.example.com/agent.pkg";
const PROFILE = "https://mdm.example.com/enroll.mobileconfig";

function guidance(status: EnrollmentStatus, platform: string, urls: { agent?: string; profile?: string }) {
  return guidanceFor(
    { status, platform, purgedBy: null },
    { offlineAfterDays: 7, agentDownloadUrl: urls.agent, mdmEnrollmentUrl: urls.profile },
  );
}

describe("employee guidance", () => {
  it("points at a download button only when the page shows one", () => {
    for (const urls of [{}, { agent: AGENT }, { profile: PROFILE }, { agent: AGENT, profile: PROFILE }]) {
      for (const platform of PLATFORMS) {
        for (const status of ENROLLMENT_STATUSES) {
          const steps = guidance(status, platform, urls).steps.join("\n");
          const buttons = status === "ENROLLED" ? [] : downloadsFor(platform, urls.agent, urls.profile);
          const where = `${status} on ${platform} with ${JSON.stringify(urls)}`;
          // A step may only send the employee to a button the page draws.
          if (steps.includes("agent with the button below"))
            expect(
              buttons.map((b) => b.url),
              where,
            ).toContain(AGENT);
          if (steps.includes("profile with the button below"))
            expect(
              buttons.map((b) => b.url),
              where,
            ).toContain(PROFILE);
        }
      }
    }
    expect(guidance("MDM_PROFILE_MISSING", "darwin", { profile: PROFILE }).steps[0]).toMatch(/button below/);
    expect(guidance("AGENT_INACTIVE", "windows", { agent: AGENT }).steps[0]).toMatch(/button below/);
    // The default configuration: no links, so the steps say where the files come from.
    expect(guidance("MDM_PROFILE_MISSING", "darwin", {}).steps[0]).toMatch(
      /Ask your IT team for the enrollment profile/,
    );
    expect(guidance("AGENT_INACTIVE", "windows", {}).steps[0]).toMatch(/Ask your IT team for the management agent/);
  });

  it("says who removed an unenrolled device only when the stored device knows it", () => {
    const removed = (purgedBy: string | null) =>
      guidanceFor(
        { status: "UNENROLLED", platform: "darwin", purgedBy },
        { offlineAfterDays: 7, agentDownloadUrl: undefined, mdmEnrollmentUrl: undefined },
      ).summary;
    expect(removed("AUTO_UNENROLLMENT")).toMatch(/automatically, after being offline for a long time/);
    expect(removed("ADMIN")).toBe("Your IT team removed this device from device management.");
    expect(removed(null)).toBe("This device is no longer in device management.");
    expect(removed(null)).not.toMatch(/offline/);
  });

  it("names platforms the way employees do", () => {
    expect(["darwin", "ios", "ipados", "windows", "ubuntu", "chrome", "android"].map(platformName)).toEqual([
      "Mac",
      "iPhone",
      "iPad",
      "Windows PC",
      "Linux computer",
      "Chromebook",
      "Android device",
    ]);
    expect(platformName("plan9")).toBe("device");
  });
});
