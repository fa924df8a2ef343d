import { type DeviceFilter, teamListIncludes } from "../graphql/schema/DeviceWhere.ts";
import type { FeedEvent } from "./StatusEventFeed.ts";

export type DeviceFilterValues = DeviceFilter;

/** The in-memory twin of deviceWhere() (schema/DeviceWhere.ts), for live events already in hand. */
export function matchesDeviceFilter(
  device: Pick<FeedEvent["device"], "status" | "platform" | "serial" | "name" | "teamName"> & {
    owner: { email: string } | null;
  },
  filter: DeviceFilterValues | null | undefined,
): boolean {
  if (!filter) return true;
  if (filter.status?.length && !filter.status.includes(device.status)) return false;
  if (filter.platform?.length && !filter.platform.includes(device.platform)) return false;
  if (filter.team?.length && !teamListIncludes(filter.team, device.teamName)) return false;
  const search = filter.search?.trim();
  if (search) {
    const needle = foldCase(search);
    const haystack = [device.serial, device.name, device.owner?.email];
    if (!haystack.some((value) => value != null && foldCase(value).includes(needle))) return false;
  }
  return true;
}

const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Case-folds as PostgreSQL's ILIKE does: one character at a time. String.prototype.toLowerCase
 * folds in context and may lengthen ("İ" becomes "i" and a combining dot, a word-final "Σ" becomes
 * "ς"), where the database has "i" and "σ": a live subscription would miss a device its query finds.
 */
export function foldCase(text: string): string {
  if (!NON_ASCII.test(text)) return text.toLowerCase();
  let folded = "";
  for (const character of text) folded += String.fromCodePoint(character.toLowerCase().codePointAt(0) ?? 0);
  return folded;
}
