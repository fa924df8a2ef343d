import { getConnectionPageSize, PothosValidationError, validateConnectionArguments } from "@pothos/core";
import { type GraphQLResolveInfo, Kind } from "graphql";

/** A devices page: the sizes every list of the API allows. */
export const DEVICE_PAGE = { defaultSize: 50, maxSize: 500 } as const;

interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  before?: string | null;
  after?: string | null;
}

/**
 * How many rows to read, signed as Prisma takes it (negative: the last ones, for `last`/`before`),
 * one more than the page so that the page knows whether another follows; and the cursor, if any.
 * The same rules as the prisma plugin's connections, which the rest of the API uses.
 */
export function devicePageArgs(args: ConnectionArgs): { take: number; cursor: string | null } {
  validateConnectionArguments(args);
  if (args.before != null && args.after != null) {
    throw new PothosValidationError('Arguments "before" and "after" are not supported at the same time');
  }
  if (args.before != null && args.first != null) {
    throw new PothosValidationError('Arguments "before" and "first" are not supported at the same time');
  }
  if (args.after != null && args.last != null) {
    throw new PothosValidationError('Arguments "after" and "last" are not supported at the same time');
  }
  const { limit } = getConnectionPageSize({ args, ...DEVICE_PAGE });
  const backward = args.before != null || args.last != null;
  return { take: backward ? -limit : limit, cursor: args.before ?? args.after ?? null };
}

export interface DevicePageConnection<Row> {
  edges: { cursor: string; node: Row }[];
  pageInfo: { startCursor: string | null; endCursor: string | null; hasPreviousPage: boolean; hasNextPage: boolean };
}

/** The rows read with devicePageArgs' `take`, as a Relay page (the extra row only tells there is more). */
export function devicePage<Row>(
  rows: Row[],
  args: ConnectionArgs,
  take: number,
  cursorOf: (row: Row) => string,
): DevicePageConnection<Row> {
  const full = rows.length === Math.abs(take);
  const backward = args.before != null || args.last != null;
  const nodes = full ? (take < 0 ? rows.slice(1) : rows.slice(0, -1)) : rows;
  const edges = nodes.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
      hasPreviousPage: args.after != null ? true : backward ? full : false,
      hasNextPage: args.before != null ? true : backward ? false : full,
    },
  };
}

/** Whether the field asks for nothing but totalCount (then no page is read). */
export function onlyTotalCount(info: GraphQLResolveInfo): boolean {
  return info.fieldNodes.every((field) =>
    (field.selectionSet?.selections ?? []).every(
      (s) => s.kind === Kind.FIELD && (s.name.value === "totalCount" || s.name.value === "__typename"),
    ),
  );
}
