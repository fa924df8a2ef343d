import type { MessageKind } from "../engine/vocabulary.ts";
import { ENROLLMENT_LINK_PLACEHOLDER } from "./EmployeeLinks.ts";

/**
 * The deployment's download URLs put in messages. The employee's page link is not here: it is
 * personal and made at send time (OutboxWorker's enrollmentPageUrl).
 */
export interface MessageLinks {
  agentDownloadUrl?: string | undefined;
  mdmEnrollmentUrl?: string | undefined;
}

export interface MessageContext {
  employeeName: string | null;
  deviceName: string;
  serial: string | null;
  platform: string;
}

export interface RenderedMessage {
  subject: string;
  text: string;
}

const MOBILE_APPLE_PLATFORMS: ReadonlySet<string> = new Set(["ios", "ipados"]);

const PLATFORM_NAMES: Readonly<Record<string, string>> = {
  darwin: "Mac",
  ios: "iPhone",
  ipados: "iPad",
  windows: "Windows PC",
  ubuntu: "Linux computer",
  rhel: "Linux computer",
  chrome: "Chromebook",
  android: "Android device",
};

/** What an employee calls a device of Fleet's platform ("darwin" is a Mac); "device" when unknown. */
export function platformName(platform: string): string {
  return PLATFORM_NAMES[platform.toLowerCase()] ?? "device";
}

/**
 * The e-mails an employee receives, in the help-centre article's words: each names the device, the
 * problem and the step that fixes it. Plain text, so they read well in any mail client.
 */
export function renderMessage(kind: MessageKind, ctx: MessageContext, links: MessageLinks): RenderedMessage {
  const hello = ctx.employeeName ? `Hello ${ctx.employeeName},` : "Hello,";
  const device = `${ctx.deviceName}${ctx.serial ? ` (serial ${ctx.serial})` : ""}`;
  const what = platformName(ctx.platform);
  // The personal sign-in link is made when the message is sent (OutboxWorker), never stored.
  const page = `\nYour enrollment page (a personal link, valid for 7 days): ${ENROLLMENT_LINK_PLACEHOLDER}\n`;
  const sign = "\nOnce you have done this, your device shows as correctly enrolled within 30 minutes.\n\nIT team";
  switch (kind) {
    case "ENROLLMENT_INVITATION":
      return {
        subject: `Please enroll your ${what} ${ctx.deviceName}`,
        text: `${hello}\n\nYour ${what} ${device} is not enrolled in device management. Please re-enroll it: open your enrollment page, select the device and follow the steps.\n${page}${links.mdmEnrollmentUrl ? `Enrollment profile: ${links.mdmEnrollmentUrl}\n` : ""}${sign}`,
      };
    case "AGENT_DOWNLOAD_LINK":
      return {
        subject: `Action needed: reinstall the management agent on ${ctx.deviceName}`,
        text: `${hello}\n\nThe device management agent on your ${what} ${device} is no longer sending data. Please log into your enrollment page, click on your assigned device and download the agent, then install it.\n${page}${links.agentDownloadUrl ? `Agent download: ${links.agentDownloadUrl}\n` : ""}${sign}`,
      };
    case "MACOS_PROFILE_GUIDE": {
      // The guide's steps for the device in hand: an iPhone or iPad has no System Settings.
      const mobile = MOBILE_APPLE_PLATFORMS.has(ctx.platform.toLowerCase());
      const steps = mobile
        ? `Please install it again on the ${what} itself:\n1. On the ${what}, open your enrollment page (below) in Safari and download the enrollment profile.\n2. Open Settings > General > VPN & Device Management, select the profile and tap Install.\n3. Enter your passcode and confirm when asked.`
        : `Please follow the steps in the guide, section "Installation on macOS":\n1. Download the enrollment profile.\n2. Open System Settings > Privacy & Security > Profiles and install it.\n3. Approve the profile when macOS asks.`;
      return {
        subject: `Action needed: install the management profile on ${ctx.deviceName}`,
        text: `${hello}\n\nThe device management (MDM) profile is missing or inactive on your ${what} ${device}. ${steps}\n${page}${links.mdmEnrollmentUrl ? `Enrollment profile: ${links.mdmEnrollmentUrl}\n` : ""}${sign}`,
      };
    }
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * The HTML alternative of a message, made from its text at send time (when the sign-in link is in
 * it): paragraphs, numbered steps as a list, links clickable. Everything is escaped first.
 */
export function htmlFromText(subject: string, text: string): string {
  const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
  const linkify = (value: string) =>
    value.replace(
      /https?:\/\/[^\s<]+/g,
      (url) => `<a href="${url}">${url.length > 60 ? "your personal link" : url}</a>`,
    );
  const blocks = text.trim().split(/\n{2,}/);
  const body = blocks
    .map((block) => {
      const lines = block.split("\n");
      if (lines.every((line) => /^\d+\. /.test(line) || line.trim() === "")) {
        return `<ol>${lines
          .filter((l) => l.trim())
          .map((l) => `<li>${linkify(escapeHtml(l.replace(/^\d+\. /, "")))}</li>`)
          .join("")}</ol>`;
      }
      return `<p>${lines.map((l) => linkify(escapeHtml(l))).join("<br>")}</p>`;
    })
    .join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body style="font-family:system-ui,sans-serif;line-height:1.5;max-width:36em">${body}</body></html>`;
}
