import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";

/** Expected failures are schema types a client can switch on, not masked server errors. */
export class ForbiddenError extends Error {
  override readonly name = "ForbiddenError";
}
export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
}
export class FieldError {
  constructor(
    readonly field: string,
    readonly message: string,
  ) {}
}
export class ValidationError extends Error {
  override readonly name = "ValidationError";
  constructor(
    message: string,
    readonly fieldErrors: FieldError[],
  ) {
    super(message);
  }
}
/** A request that makes sense but cannot be done now (e.g. a device without an owner to write to). */
export class ConflictError extends Error {
  override readonly name = "ConflictError";
}

const ErrorInterface = builder.interfaceRef<Error>("Error").implement({
  description: "An expected failure of a mutation: the client can show `message` as is.",
  fields: (t) => ({ message: t.exposeString("message") }),
});

builder.objectType(ForbiddenError, {
  name: "ForbiddenError",
  description: "The caller's token may not do this (mutations need an ADMIN token).",
  interfaces: [ErrorInterface],
  fields: (t) => ({ code: t.string({ resolve: () => "FORBIDDEN" }) }),
});

builder.objectType(NotFoundError, {
  name: "NotFoundError",
  interfaces: [ErrorInterface],
  fields: (t) => ({ code: t.string({ resolve: () => "NOT_FOUND" }) }),
});

builder.objectType(ConflictError, {
  name: "ConflictError",
  interfaces: [ErrorInterface],
  fields: (t) => ({ code: t.string({ resolve: () => "CONFLICT" }) }),
});

builder.objectType(FieldError, {
  name: "FieldError",
  fields: (t) => ({
    field: t.exposeString("field", { description: "The input field at fault, as named in the input type." }),
    message: t.exposeString("message"),
  }),
});

builder.objectType(ValidationError, {
  name: "ValidationError",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    code: t.string({ resolve: () => "VALIDATION_FAILED" }),
    fieldErrors: t.field({ type: [FieldError], resolve: (e) => e.fieldErrors }),
  }),
});

/** Every mutation starts with this; the schema test proves none forgets it. */
export function requireAdmin(ctx: GraphQLContext): string {
  if (ctx.viewer?.role !== "ADMIN") throw new ForbiddenError("This needs an ADMIN token.");
  return `token:${ctx.viewer.name}`;
}

export const ADMIN_ERRORS = [ForbiddenError] as const;
