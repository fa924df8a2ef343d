import type { AdminNotification, AlertSeverity, AlertState } from "./documents.ts";

/** Shown like statuses: a tone for colour, a symbol and words, so severity is never told by colour alone. */
export interface Presentation {
  label: string;
  tone: "ok" | "warn" | "bad" | "muted" | "info" | "alt";
  symbol: string;
}

export const SEVERITY_INFO: Record<AlertSeverity, Presentation> = {
  HIGH: { label: "High", tone: "bad", symbol: "▲" },
  MEDIUM: { label: "Medium", tone: "warn", symbol: "■" },
  LOW: { label: "Low", tone: "info", symbol: "▼" },
};

export const STATE_INFO: Record<AlertState, Presentation> = {
  OPEN: { label: "Open", tone: "bad", symbol: "●" },
  ACKNOWLEDGED: { label: "Acknowledged", tone: "info", symbol: "✓" },
  SNOOZED: { label: "Snoozed", tone: "muted", symbol: "◔" },
  RESOLVED: { label: "Resolved", tone: "ok", symbol: "○" },
};

export const NOTIFICATION_LABELS: Record<AdminNotification, string> = {
  NONE: "No e-mail",
  IMMEDIATE: "E-mail at once",
  DAILY_DIGEST: "Daily digest",
};

/** "No grace period", "12 hours", "1 day", "7 days": whole days read as days, anything else in hours. */
export function formatGracePeriod(hours: number): string {
  if (hours <= 0) return "No grace period";
  if (hours % 24 === 0) {
    const days = hours / 24;
    return `${days} ${days === 1 ? "day" : "days"}`;
  }
  return `${hours} ${hours === 1 ? "hour" : "hours"}`;
}
