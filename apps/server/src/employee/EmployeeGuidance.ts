import type { EnrollmentStatus } from "@enrollwatch/sync";

export interface DownloadLink {
  label: string;
  url: string;
}

export interface Guidance {
  /** What is wrong, in plain words, for the device's owner. */
  summary: string;
  /** The steps that fix it, from the help-centre article's troubleshooting section. */
  steps: string[];
}

const APPLE = new Set(["darwin", "ios", "ipados"]);
const MOBILE = new Set(["ios", "ipados", "android"]);

/** What the guidance is about: the device as stored (purgedBy says who removed it, if anyone did). */
export interface GuidedDevice {
  status: EnrollmentStatus;
  platform: string;
  purgedBy: string | null;
}

export interface GuidanceOptions {
  offlineAfterDays: number;
  /** The configured downloads: a step may only point at a button the page shows. */
  agentDownloadUrl: string | undefined;
  mdmEnrollmentUrl: string | undefined;
}

/** The employee's view of a status: no jargon, and the article's troubleshooting as steps. */
export function guidanceFor(device: GuidedDevice, options: GuidanceOptions): Guidance {
  const { status, platform } = device;
  const apple = APPLE.has(platform);
  const mac = platform === "darwin";
  // A step points at a button only when the page draws one (downloadsFor: configured, and for the
  // platform); otherwise it says where else to get the file, not to look for a missing button.
  const hasAgentButton = downloadsFor(platform, options.agentDownloadUrl, undefined).length > 0;
  const hasProfileButton = downloadsFor(platform, undefined, options.mdmEnrollmentUrl).length > 0;
  const profileSteps = [
    hasProfileButton
      ? "Download the enrollment profile with the button below."
      : "Ask your IT team for the enrollment profile: this page has no download for it.",
    mac
      ? "Open System Settings › Privacy & Security › Profiles, select the Enrollwatch profile and click Install."
      : "Open Settings › General › VPN & Device Management, select the profile and tap Install.",
    "Approve the profile when asked, and enter your password if prompted.",
  ];
  const agentSteps = [
    hasAgentButton
      ? "Download the management agent with the button below."
      : "Ask your IT team for the management agent installer: this page has no download for it.",
    hasAgentButton
      ? "Open the file you downloaded and follow the installer to the end."
      : "Open the installer and follow it to the end.",
    "Restart the device, and keep it switched on and connected to the internet for about 30 minutes.",
  ];
  switch (status) {
    case "ENROLLED":
      return { summary: "Your device is correctly enrolled. There is nothing to do.", steps: [] };
    case "PARTIALLY_ENROLLED":
      return {
        summary: "The enrollment of this device was started but not finished, so it is not managed yet.",
        steps: [
          ...(MOBILE.has(platform) ? [] : agentSteps.slice(0, 2)),
          ...(apple ? profileSteps : []),
          agentSteps[2] ?? "",
        ],
      };
    case "AGENT_INACTIVE":
      return {
        summary:
          "The management agent on this device has stopped sending data. It may have been removed, or stopped after an update.",
        steps: agentSteps,
      };
    case "MDM_PROFILE_MISSING":
      return {
        summary: "The device management profile is missing or no longer active on this device.",
        steps: [...profileSteps, "Keep the device connected to the internet for about 30 minutes."],
      };
    case "OFFLINE":
      return {
        summary: `We have not heard from this device for more than ${options.offlineAfterDays} days.`,
        steps: [
          "Switch the device on and connect it to the internet (and to the company VPN if you use one).",
          "Leave it on for about 30 minutes, then press “I've done it — check again”.",
          "If it still shows as offline, re-enroll it: install the enrollment profile and the agent again.",
        ],
      };
    case "UNENROLLED":
      return {
        summary: removedSummary(device.purgedBy),
        steps: [...(apple ? profileSteps : []), ...(MOBILE.has(platform) ? [] : agentSteps)],
      };
  }
}

/** Only what the stored device knows: who removed it, if Enrollwatch did; no guessed cause otherwise. */
function removedSummary(purgedBy: string | null): string {
  if (purgedBy === "AUTO_UNENROLLMENT")
    return "This device was removed from device management automatically, after being offline for a long time.";
  if (purgedBy === "ADMIN") return "Your IT team removed this device from device management.";
  return "This device is no longer in device management.";
}

export function downloadsFor(
  platform: string,
  agentUrl: string | undefined,
  profileUrl: string | undefined,
): DownloadLink[] {
  const links: DownloadLink[] = [];
  if (!MOBILE.has(platform) && agentUrl) links.push({ label: "Download the management agent", url: agentUrl });
  if (APPLE.has(platform) && profileUrl) links.push({ label: "Download the enrollment profile", url: profileUrl });
  return links;
}
