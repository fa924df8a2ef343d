import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
  getOperationAST,
  Kind,
  type SelectionSetNode,
  valueFromASTUntyped,
} from "graphql";
import { createGraphQLError, type Plugin } from "graphql-yoga";

/** What a paginated field without `first` is assumed to return (connections default to 50). */
const DEFAULT_PAGE = 50;

/** Rows one operation may ask for at its deepest level: 500 devices × 50 history entries. */
export const MAX_ESTIMATED_ROWS = 25_000;

/**
 * graphql-armor's cost limit counts fields, not rows: `devices(first: 500) { … activity(first: 200) }`
 * costs the same as `first: 1`. This estimate multiplies the page sizes (`first`, from literals or
 * variables, or the argument's default) along every path, and refuses an operation whose deepest
 * level could fetch more than MAX_ESTIMATED_ROWS rows, before anything runs.
 */
export function estimateRows(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  operationName?: string | null,
): number {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const root =
    operation.operation === "query"
      ? schema.getQueryType()
      : operation.operation === "mutation"
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) return 0;

  const walk = (
    type: GraphQLNamedType,
    selectionSet: SelectionSetNode,
    multiplier: number,
    seen: Set<string>,
  ): number => {
    let deepest = multiplier;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        const on = schema.getType(fragment.typeCondition.name.value) ?? type;
        const next = new Set(seen).add(fragment.name.value);
        deepest = Math.max(deepest, walk(on, fragment.selectionSet, multiplier, next));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) ?? type) : type;
        deepest = Math.max(deepest, walk(on, selection.selectionSet, multiplier, seen));
      } else if (selection.selectionSet) {
        const field = fieldsOf(type)?.[selection.name.value];
        if (!field) continue;
        // A page's size is `first` (or a connection's `last`) as given; unset, the argument's
        // default, or a typical page when it has none.
        const pageArgs = field.args.filter((arg) => arg.name === "first" || arg.name === "last");
        let pageSize = 1;
        if (pageArgs.length > 0) {
          const given = (selection.arguments ?? []).filter((a) => a.name.value === "first" || a.name.value === "last");
          const sizes = given.length
            ? given.map((a) => valueFromASTUntyped(a.value, variables ?? {}))
            : pageArgs.map((arg) => arg.defaultValue ?? DEFAULT_PAGE);
          for (const size of sizes) if (typeof size === "number" && size > pageSize) pageSize = size;
        }
        deepest = Math.max(deepest, walk(namedType(field.type), selection.selectionSet, multiplier * pageSize, seen));
      }
    }
    return deepest;
  };
  return walk(root, operation.selectionSet, 1, new Set());
}

// Structural checks, not graphql's isObjectType()/getNamedType(): those compare classes, and the
// schema's graphql may be another copy of the module (ESM and CJS) than this file's.
function fieldsOf(type: GraphQLNamedType): Record<string, GraphQLField<unknown, unknown>> | null {
  const getFields = (type as { getFields?: () => Record<string, GraphQLField<unknown, unknown>> }).getFields;
  return typeof getFields === "function" ? getFields.call(type) : null;
}

function namedType(type: GraphQLType): GraphQLNamedType {
  let current: GraphQLType = type;
  while ("ofType" in current && current.ofType) current = current.ofType as GraphQLType;
  return current as GraphQLNamedType;
}

function tooLarge(rows: number, limit: number): GraphQLError {
  return createGraphQLError(
    `This operation could fetch about ${Math.round(rows).toLocaleString("en")} rows (limit ${limit.toLocaleString("en")}): ask for smaller pages (first).`,
    { extensions: { code: "QUERY_TOO_LARGE", http: { status: 400 } } },
  );
}

export function useListSizeLimit(limit = MAX_ESTIMATED_ROWS): Plugin {
  const check = (args: {
    schema: GraphQLSchema;
    document: DocumentNode;
    variableValues?: Record<string, unknown> | null;
    operationName?: string | null;
  }) => {
    const rows = estimateRows(args.schema, args.document, args.variableValues, args.operationName);
    return rows <= limit ? null : tooLarge(rows, limit);
  };
  return {
    // Page sizes written in the query are known at validation, where armor's cost limit (which
    // multiplies the same literals) would otherwise refuse an oversized `first` first, without this
    // error's code. Only literals: yoga caches validation results by document, not by variables.
    onValidate({ params, setResult }) {
      let rows = 0;
      for (const definition of params.documentAST.definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
        rows = Math.max(rows, estimateRows(params.schema, params.documentAST, {}, definition.name?.value));
      }
      if (rows > limit) setResult([tooLarge(rows, limit)]);
    },
    // Sizes given in variables are known only now.
    onExecute({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
