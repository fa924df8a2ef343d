import { getDatamodel } from "@enrollwatch/db/pothos";

/** A Prisma `include` tree: which relations a load brought along (each with all its columns). */
export type IncludeTree = { readonly [relation: string]: true | { readonly include?: IncludeTree } };

const MODELS = getDatamodel().datamodel.models;

/** Relation field → related model, per model, from the Prisma datamodel Pothos already uses. */
const RELATIONS = new Map<string, Map<string, string>>(
  Object.entries(MODELS).map(([model, { fields }]) => [
    model,
    new Map(fields.filter((f) => f.kind === "object").map((f) => [f.name, f.type])),
  ]),
);

/**
 * Whether rows of `model` loaded with every column and the relations of `loaded` already hold all
 * that the Pothos `query` (a Prisma select/include argument) asks for, so it needs no second read.
 * Conservative: relation arguments (where, orderBy, take, counts) are never taken as covered.
 */
export function loadCoversQuery(model: string, loaded: IncludeTree, query: unknown): boolean {
  if (query === true) return true;
  if (typeof query !== "object" || query === null) return false;
  const relations = RELATIONS.get(model);
  if (!relations) return false;
  for (const [key, fields] of Object.entries(query)) {
    if ((key !== "select" && key !== "include") || typeof fields !== "object" || fields === null) return false;
    for (const [field, wanted] of Object.entries(fields as Record<string, unknown>)) {
      const target = relations.get(field);
      if (target === undefined) {
        // A column: every one was loaded. Anything else (_count) was not.
        if (key === "select" && wanted === true && MODELS[model]?.fields.some((f) => f.name === field)) continue;
        return false;
      }
      const got = loaded[field];
      if (got === undefined) return false;
      if (!loadCoversQuery(target, got === true ? {} : (got.include ?? {}), wanted)) return false;
    }
  }
  return true;
}
