import type { Prisma } from "@enrollwatch/db";
import type { ENROLLMENT_STATUSES } from "@enrollwatch/sync";
import { prisma } from "../../db.ts";

export interface DeviceFilter {
  status?: (typeof ENROLLMENT_STATUSES)[number][] | null;
  platform?: string[] | null;
  search?: string | null;
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
  const search = filter?.search?.trim();
  if (search) where.OR = [{ serial: contains(search) }, { name: contains(search) }, await ownerEmailContains(search)];
  return where;
}

/**
 * A literal substring: Prisma hands `contains` to ILIKE as `%search%` without escaping, so `_` or
 * `%` in what an admin typed (`build_93`, `100%`) would be wildcards, and a search for `%` would
 * match every device. Backslash is PostgreSQL's default LIKE escape. The live filter
 * (DeviceFilterMatch) compares literally too, so a subscription and a query agree.
 */
function contains(search: string): Prisma.StringFilter {
  return { contains: search.replace(/[\\%_]/g, "\\$&"), mode: "insensitive" };
}

async function ownerEmailContains(search: string): Promise<Prisma.DeviceWhereInput> {
  const owners = await prisma.employee.findMany({
    where: { email: contains(search) },
    select: { id: true },
    take: OWNER_IDS_LIMIT + 1,
  });
  if (owners.length > OWNER_IDS_LIMIT) return { owner: { email: contains(search) } };
  return { ownerId: { in: owners.map((owner) => owner.id) } };
}
