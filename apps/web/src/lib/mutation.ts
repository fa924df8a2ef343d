import type { CombinedError } from "@urql/core";

/** What an action ended with, ready to show: the typed error union's message as the server wrote it. */
export type ActionOutcome<T> = { ok: true; data: T } | { ok: false; message: string };

type UnionResult<T> = { __typename: string; data?: T; message?: string };

/**
 * Reads a mutation result whose field is a Pothos error union: `...Success { data }` or an `Error`
 * with a message. Transport and GraphQL errors become a message too, so every caller shows one line.
 */
export function outcomeOf<T>(
  result: { data?: Record<string, UnionResult<T> | undefined> | undefined; error?: CombinedError | undefined },
  field: string,
): ActionOutcome<T> {
  if (result.error) {
    const status = (result.error.response as Response | undefined)?.status;
    return { ok: false, message: status === 429 ? "Too many requests: wait a moment." : result.error.message };
  }
  const value = result.data?.[field];
  if (!value) return { ok: false, message: "No answer from the server." };
  if (value.__typename.endsWith("Success") && value.data !== undefined) return { ok: true, data: value.data };
  return { ok: false, message: value.message ?? `Refused (${value.__typename}).` };
}
