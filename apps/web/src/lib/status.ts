/**
 * The statuses of the help-centre article "Why this status?" as the dashboard shows them: a label,
 * a one-line meaning, a colour token and a symbol, so status is never told by colour alone.
 */
export const STATUSES = [
  "ENROLLED",
  "PARTIALLY_ENROLLED",
  "AGENT_INACTIVE",
  "MDM_PROFILE_MISSING",
  "OFFLINE",
  "UNENROLLED",
] as const;

export type EnrollmentStatus = (typeof STATUSES)[number];

export interface StatusInfo {
  label: string;
  meaning: string;
  /** A CSS class suffix: .status-<tone> sets the colours. */
  tone: "ok" | "warn" | "bad" | "muted" | "info" | "alt";
  /** A text symbol shown next to the label (colour is never the only cue). */
  symbol: string;
}

export const STATUS_INFO: Record<EnrollmentStatus, StatusInfo> = {
  ENROLLED: {
    label: "Enrolled",
    meaning: "Agent reporting and MDM on",
    tone: "ok",
    symbol: "✓",
  },
  PARTIALLY_ENROLLED: {
    label: "Partially enrolled",
    meaning: "Enrolment was never completed",
    tone: "info",
    symbol: "◐",
  },
  AGENT_INACTIVE: {
    label: "Agent inactive",
    meaning: "The Fleet agent stopped sending data",
    tone: "warn",
    symbol: "!",
  },
  MDM_PROFILE_MISSING: {
    label: "MDM profile missing",
    meaning: "The MDM profile is missing or inactive (Apple)",
    tone: "alt",
    symbol: "⚠",
  },
  OFFLINE: {
    label: "Offline",
    meaning: "Neither agent nor MDM heard from for too long",
    tone: "bad",
    symbol: "✕",
  },
  UNENROLLED: {
    label: "Unenrolled",
    meaning: "Purged by auto-unenrolment or by an admin",
    tone: "muted",
    symbol: "○",
  },
};

/** Chart colours per status; they match the --status-* CSS tokens. */
export const STATUS_COLOURS: Record<EnrollmentStatus, string> = {
  ENROLLED: "#15803d",
  PARTIALLY_ENROLLED: "#1d4ed8",
  AGENT_INACTIVE: "#b45309",
  MDM_PROFILE_MISSING: "#a21caf",
  OFFLINE: "#b91c1c",
  UNENROLLED: "#4b5563",
};

export function isStatus(value: string | null | undefined): value is EnrollmentStatus {
  return value !== null && value !== undefined && (STATUSES as readonly string[]).includes(value);
}

/** Fleet's platform names; Fleet has no endpoint listing them, so the dashboard knows the usual ones. */
export const PLATFORMS = ["darwin", "windows", "ubuntu", "rhel", "chrome", "ios", "ipados"] as const;

export const PLATFORM_LABELS: Record<string, string> = {
  darwin: "macOS",
  windows: "Windows",
  ubuntu: "Ubuntu",
  rhel: "Red Hat",
  chrome: "ChromeOS",
  ios: "iOS",
  ipados: "iPadOS",
};

export function platformLabel(platform: string): string {
  return PLATFORM_LABELS[platform] ?? platform;
}
