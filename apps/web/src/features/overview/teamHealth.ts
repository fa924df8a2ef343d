import { type EnrollmentStatus, STATUSES } from "../../lib/status.ts";
import type { TeamStatusSummary } from "./documents.ts";

export interface TeamHealthRow {
  /** null: the devices in no team. */
  team: string | null;
  label: string;
  total: number;
  enrolled: number;
  /** Enrolled devices as a share of the team's (0 for an empty team). */
  enrolledShare: number;
  /** Every status's count, in the dashboard's status order (ENROLLED first). */
  counts: { status: EnrollmentStatus; count: number }[];
}

/**
 * The overview's team table: the least enrolled teams first, since they are where an admin acts
 * (ties by name, "No team" last among equals). Empty when the fleet has no teams at all: a table
 * of one "No team" row would only repeat the cards.
 */
export function teamHealthRows(summaries: readonly TeamStatusSummary[]): TeamHealthRow[] {
  if (!summaries.some((s) => s.team !== null)) return [];
  return summaries
    .map((s): TeamHealthRow => {
      const byStatus = new Map(s.counts.map((c) => [c.status, c.count]));
      const enrolled = byStatus.get("ENROLLED") ?? 0;
      return {
        team: s.team,
        label: s.team ?? "No team",
        total: s.total,
        enrolled,
        enrolledShare: s.total > 0 ? enrolled / s.total : 0,
        counts: STATUSES.map((status) => ({ status, count: byStatus.get(status) ?? 0 })),
      };
    })
    .sort(
      (a, b) =>
        a.enrolledShare - b.enrolledShare ||
        (a.team === null ? 1 : 0) - (b.team === null ? 1 : 0) ||
        a.label.localeCompare(b.label),
    );
}

/** The devices list for a team (and one status), as the devices page reads its URL. */
export function teamDevicesHref(team: string | null, status?: EnrollmentStatus): string {
  const params = new URLSearchParams();
  if (team === null) params.set("noteam", "1");
  else params.set("team", team);
  if (status) params.set("status", status);
  return `/devices?${params}`;
}
