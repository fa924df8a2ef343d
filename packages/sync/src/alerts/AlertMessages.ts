/** The admins' alert e-mails: plain text (OutboxWorker adds the HTML part). */
import type { EnrollmentStatus } from "../engine/vocabulary.ts";
import type { AlertSeverity } from "./AlertRuleSchema.ts";

export interface AlertRuleNotice {
  alertId: string;
  ruleName: string;
  severity: AlertSeverity;
  status: EnrollmentStatus;
  openedAt?: Date;
  device: { id: string; name: string; serial: string | null; platform: string };
}

export interface RenderedAlertMessage {
  subject: string;
  text: string;
}

/** More would make an e-mail nobody reads; the dashboard has the whole queue. */
const LISTED = 50;

const SEVERITY_ORDER: Record<AlertSeverity, number> = { HIGH: 0, MEDIUM: 1, LOW: 2 };

function line(notice: AlertRuleNotice, dashboardUrl: string): string {
  const serial = notice.device.serial ? ` (serial ${notice.device.serial})` : "";
  return `- [${notice.severity}] ${notice.device.name}${serial}, ${notice.device.platform}: ${notice.ruleName} (${notice.status})\n  ${dashboardUrl}/devices/${notice.device.id}`;
}

function listing(notices: AlertRuleNotice[], dashboardUrl: string): string {
  const sorted = [...notices].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const shown = sorted.slice(0, LISTED).map((n) => line(n, dashboardUrl));
  const more = sorted.length > LISTED ? `\n…and ${sorted.length - LISTED} more.` : "";
  return `${shown.join("\n")}${more}`;
}

export function renderAlertsOpened(notices: AlertRuleNotice[], dashboardUrl: string): RenderedAlertMessage {
  const first = notices[0];
  const subject =
    notices.length === 1 && first
      ? `[Enrollwatch ${first.severity}] ${first.device.name}: ${first.ruleName}`
      : `[Enrollwatch] ${notices.length} new alerts`;
  const text = `New alert${notices.length === 1 ? "" : "s"} opened:\n\n${listing(notices, dashboardUrl)}\n\nTriage queue: ${dashboardUrl}/alerts\n\nEnrollwatch`;
  return { subject, text };
}

export function renderAlertDigest(notices: AlertRuleNotice[], dashboardUrl: string, now: Date): RenderedAlertMessage {
  const high = notices.filter((n) => n.severity === "HIGH").length;
  const subject = `[Enrollwatch] Daily digest: ${notices.length} alert${notices.length === 1 ? "" : "s"}${high > 0 ? ` (${high} high)` : ""}`;
  const text = `Alerts opened since the last digest, still open on ${now.toISOString().slice(0, 10)}:\n\n${listing(notices, dashboardUrl)}\n\nTriage queue: ${dashboardUrl}/alerts\n\nEnrollwatch`;
  return { subject, text };
}
