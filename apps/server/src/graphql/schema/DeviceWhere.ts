import type { Prisma } from "@enrollwatch/db";
import type { ENROLLMENT_STATUSES } from "@enrollwatch/sync";
import { prisma } from "../../db.ts";
import { containsLiteral } from "./LiteralContains.ts";

export interface DeviceFilter {
  status?: (typeof ENROLLMENT_STATUSES)[number][] | null;
  platform?: string[] | null;
  search?: string | null;
  /** Fleet team names; a null item selects the devices in no team. */
  team?: (string | null | undefined)[] | null;
}

/** Whether a filter's team list selects a device of this team (a null or absent item: no team). */
export function teamListIncludes(teams: NonNullable<DeviceFilter["team"]>, teamName: string | null): boolean {
  return teams.some((team) => (team ?? null) === teamName);
}

/**
 * How many owners a search may match by e-mail and still be looked up by id. Past it the search
 * matches a large share of the fleet, which a walk of the sort order finds a page of quickly, and a
 * list of ids would only make the statement longer.
 */
export const OWNER_IDS_LIMIT = 2_000;

/**
 * The devices a filter selects, as a Prisma condition on Device.
 *
 * The search matches a substring of the serial, the name or the owner's e-mail. Said as Prisma's
 * relation filter (`owner: { email: contains }`), the e-mail part becomes `"ownerId" IN (SELECT
 * ...)`, which PostgreSQL can only test row by row: every search read all 100,000 devices (0.4–0.9 s
 * for a specific one). The matching owners are looked up first instead (the e-mail trigram index),
 * so that all three parts are conditions on Device's own indexed columns, which PostgreSQL combines
 * as a BitmapOr of the serial and name trigram indexes and the owner index (~1 ms for a few
 * devices).
 */
export async function deviceWhere(filter: DeviceFilter | null | undefined): Promise<Prisma.DeviceWhereInput> {
  const where: Prisma.DeviceWhereInput = {};
  if (filter?.status?.length) where.status = { in: filter.status };
  if (filter?.platform?.length) where.platform = { in: filter.platform };
  const and: Prisma.DeviceWhereInput[] = [];
  if (filter?.team?.length) {
    const names = filter.team.filter((team) => typeof team === "string");
    const teams: Prisma.DeviceWhereInput[] = names.length ? [{ teamName: { in: names } }] : [];
    if (names.length < filter.team.length) teams.push({ teamName: null });
    and.push(teams.length === 1 && teams[0] ? teams[0] : { OR: teams });
  }
  const search = filter?.search?.trim();
  if (search)
    and.push({
      OR: [{ serial: containsLiteral(search) }, { name: containsLiteral(search) }, await ownerEmailContains(search)],
    });
  if (and.length === 1 && and[0]) Object.assign(where, and[0]);
  else if (and.length > 1) where.AND = and;
  return where;
}

async function ownerEmailContains(search: string): Promise<Prisma.DeviceWhereInput> {
  const owners = await prisma.employee.findMany({
    where: { email: containsLiteral(search) },
    select: { id: true },
    take: OWNER_IDS_LIMIT + 1,
  });
  if (owners.length > OWNER_IDS_LIMIT) return { owner: { email: containsLiteral(search) } };
  return { ownerId: { in: owners.map((owner) => owner.id) } };
}
