/**
 * The situations a simulated device can be in (see shared/seed/why-this-status.txt).
 * "Fixed" is not a state of its own: a fixed device is HEALTHY again.
 */
export const HOST_STATES = ["HEALTHY", "ENROLLMENT_ABANDONED", "AGENT_STOPPED", "PROFILE_REMOVED", "OFFLINE"] as const;

export type HostState = (typeof HOST_STATES)[number];
export type ProblemState = Exclude<HostState, "HEALTHY">;

export const PLATFORMS = ["darwin", "windows", "ubuntu", "rhel", "chrome", "ios", "ipados"] as const;
export type Platform = (typeof PLATFORMS)[number];

export function isHostState(value: string): value is HostState {
  return (HOST_STATES as readonly string[]).includes(value);
}

/** Apple mobile devices have no osquery agent: Fleet hears from them only through MDM. */
export function isMobilePlatform(platform: Platform): boolean {
  return platform === "ios" || platform === "ipados";
}

export function hasOsqueryAgent(platform: Platform): boolean {
  return !isMobilePlatform(platform);
}

/** Which situations make physical sense for a device; setState() refuses the others. */
export function statesApplicableTo(platform: Platform, hasMdm: boolean): readonly HostState[] {
  switch (platform) {
    case "darwin":
      return HOST_STATES;
    case "ios":
    case "ipados":
      return ["HEALTHY", "ENROLLMENT_ABANDONED", "PROFILE_REMOVED", "OFFLINE"];
    case "chrome":
      return ["HEALTHY", "ENROLLMENT_ABANDONED", "OFFLINE"];
    default:
      return hasMdm
        ? ["HEALTHY", "ENROLLMENT_ABANDONED", "AGENT_STOPPED", "PROFILE_REMOVED", "OFFLINE"]
        : ["HEALTHY", "ENROLLMENT_ABANDONED", "AGENT_STOPPED", "OFFLINE"];
  }
}
