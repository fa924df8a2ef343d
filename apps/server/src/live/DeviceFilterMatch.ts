import type { DeviceFilter } from "../graphql/schema/DeviceWhere.ts";
import type { FeedEvent } from "./StatusEventFeed.ts";

export type DeviceFilterValues = DeviceFilter;

/** The in-memory twin of deviceWhere() (schema/DeviceWhere.ts), for live events already in hand. */
export function matchesDeviceFilter(
  device: FeedEvent["device"],
  filter: DeviceFilterValues | null | undefined,
): boolean {
  if (!filter) return true;
  if (filter.status?.length && !filter.status.includes(device.status)) return false;
  if (filter.platform?.length && !filter.platform.includes(device.platform)) return false;
  const search = filter.search?.trim().toLowerCase();
  if (search) {
    const haystack = [device.serial, device.name, device.owner?.email];
    if (!haystack.some((value) => value?.toLowerCase().includes(search))) return false;
  }
  return true;
}
