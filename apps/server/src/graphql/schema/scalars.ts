import { Kind } from "graphql";
import { createGraphQLError } from "graphql-yoga";
import { builder } from "../builder.ts";

builder.scalarType("DateTime", {
  description: "An instant, as an ISO 8601 string in UTC (e.g. 2026-11-25T10:00:00.000Z).",
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: (value) => parseDate(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw createGraphQLError("DateTime must be an ISO 8601 string");
    return parseDate(ast.value);
  },
});

function parseDate(value: unknown): Date {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) {
    throw createGraphQLError("DateTime must be an ISO 8601 string such as 2026-11-25T10:00:00Z");
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw createGraphQLError(`"${value}" is not a valid DateTime`);
  return date;
}
