import type { Prisma } from "@enrollwatch/db";

/**
 * A case-insensitive, literal substring condition. Prisma hands `contains` to ILIKE as `%text%`
 * without escaping, so `_` or `%` in what an admin typed (`build_93`, `100%`) would be wildcards,
 * and a search for `%` would match every row. Backslash is PostgreSQL's default LIKE escape. The
 * live device filter (DeviceFilterMatch) compares literally too, so a subscription and a query agree.
 */
export function containsLiteral(text: string): Prisma.StringFilter {
  return { contains: text.replace(/[\\%_]/g, "\\$&"), mode: "insensitive" };
}
