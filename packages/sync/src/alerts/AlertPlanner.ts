/**
 * The pure half of alert evaluation: given the rules, the devices that might break them and the
 * alerts that are live, what opens, what resolves and which snoozes run out. No I/O, so it is
 * table-tested; AlertEvaluator does the reading and writing around it.
 */
import type { EnrollmentStatus } from "../engine/vocabulary.ts";
import type { AlertSeverity } from "./AlertRuleSchema.ts";

const HOUR_MS = 3_600_000;

export interface PlannedRule {
  id: string;
  enabled: boolean;
  severity: AlertSeverity;
  statuses: readonly EnrollmentStatus[];
  /** Lower case; empty matches every platform. */
  platforms: readonly string[];
  /** Fleet team names; empty (and includeNoTeam false) matches every team, and the devices in none. */
  teams: readonly string[];
  /** The devices in no team match too; alone, only they do. */
  includeNoTeam: boolean;
  gracePeriodHours: number;
}

export interface PlannedDevice {
  id: string;
  status: EnrollmentStatus;
  platform: string;
  teamName: string | null;
  statusSince: Date;
}

export type LiveAlertState = "OPEN" | "ACKNOWLEDGED" | "SNOOZED";

export interface LiveAlert {
  id: string;
  ruleId: string;
  deviceId: string;
  state: LiveAlertState;
  snoozedUntil: Date | null;
}

export interface AlertPlan {
  open: { ruleId: string; deviceId: string; severity: AlertSeverity; status: EnrollmentStatus; statusSince: Date }[];
  resolve: string[];
  /** Snoozed alerts whose snooze ran out while the device still breaks the rule. */
  reopen: string[];
}

/** Whether the device breaks the rule at `now`: right status, platform and team, for long enough. */
export function breaksRule(rule: PlannedRule, device: PlannedDevice, now: Date): boolean {
  if (!rule.enabled) return false;
  if (!rule.statuses.includes(device.status)) return false;
  if (rule.platforms.length > 0 && !rule.platforms.includes(device.platform.toLowerCase())) return false;
  if (!inRuleTeams(rule, device.teamName)) return false;
  return now.getTime() - device.statusSince.getTime() >= rule.gracePeriodHours * HOUR_MS;
}

/** Whether a device in `teamName` (null: no team) is in the rule's teams; a rule naming none is fleet-wide. */
export function inRuleTeams(rule: Pick<PlannedRule, "teams" | "includeNoTeam">, teamName: string | null): boolean {
  if (rule.teams.length === 0 && !rule.includeNoTeam) return true;
  return teamName === null ? rule.includeNoTeam : rule.teams.includes(teamName);
}

export function alertKey(ruleId: string, deviceId: string): string {
  return `${ruleId}:${deviceId}`;
}

/**
 * `devices` must include every device that could break an enabled rule (callers pre-filter by
 * status); a live alert whose device is absent or no longer breaks its rule resolves. Alerts of
 * disabled or deleted rules resolve too: nobody asked about them any more.
 */
export function planAlerts(
  rules: readonly PlannedRule[],
  devices: readonly PlannedDevice[],
  live: readonly LiveAlert[],
  now: Date,
): AlertPlan {
  const liveByKey = new Map(live.map((a) => [alertKey(a.ruleId, a.deviceId), a]));
  const breaking = new Set<string>();
  const plan: AlertPlan = { open: [], resolve: [], reopen: [] };
  const enabled = rules.filter((r) => r.enabled);
  for (const device of devices) {
    for (const rule of enabled) {
      if (!breaksRule(rule, device, now)) continue;
      const key = alertKey(rule.id, device.id);
      breaking.add(key);
      const existing = liveByKey.get(key);
      if (!existing) {
        plan.open.push({
          ruleId: rule.id,
          deviceId: device.id,
          severity: rule.severity,
          status: device.status,
          statusSince: device.statusSince,
        });
      } else if (existing.state === "SNOOZED" && existing.snoozedUntil !== null && existing.snoozedUntil <= now) {
        plan.reopen.push(existing.id);
      }
    }
  }
  for (const [key, alert] of liveByKey) if (!breaking.has(key)) plan.resolve.push(alert.id);
  return plan;
}
