/**
 * A mutation whose client selects only `__typename` of the success type (common: "did it work?")
 * hands its resolver an empty Prisma `select`, which Prisma refuses. Such a query needs no columns
 * beyond the default row, so it is dropped.
 */
export function nonEmptyQuery<Q extends object>(query: Q): Q | Record<string, never> {
  const select = (query as { select?: object }).select;
  return select !== undefined && Object.keys(select).length === 0 ? {} : query;
}
