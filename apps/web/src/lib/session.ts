import { type Accessor, createSignal } from "solid-js";

export type Role = "ADMIN" | "VIEWER";

/** Every GraphQL HTTP request carries this header (the server's CSRF guard forces a preflight). */
export const CSRF_HEADER = "x-enrollwatch-csrf";
export const GRAPHQL_PATH = "/graphql";
const STORAGE_KEY = "enrollwatch.token";

export function graphqlHeaders(token: string): Record<string, string> {
  return { [CSRF_HEADER]: "1", authorization: `Bearer ${token}` };
}

export type RoleCheck = { ok: true; role: Role } | { ok: false; reason: "invalid" | "unreachable"; message: string };

/**
 * Finds what a token may do without changing anything: `apiTokens` is a read-only query that
 * answers ForbiddenError to a VIEWER and the list to an ADMIN, and HTTP 401 to an unknown or
 * revoked token. So one harmless request both validates the token and tells its role. The role only
 * decides which buttons to show; the server checks every mutation on its own.
 */
export async function detectRole(token: string, fetchImpl: typeof fetch = fetch): Promise<RoleCheck> {
  let response: Response;
  try {
    response = await fetchImpl(GRAPHQL_PATH, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        ...graphqlHeaders(token),
      },
      body: JSON.stringify({ query: "query WhoAmI { apiTokens { __typename } }" }),
    });
  } catch {
    return { ok: false, reason: "unreachable", message: "The Enrollwatch server cannot be reached." };
  }
  if (response.status === 401) {
    return { ok: false, reason: "invalid", message: "This token is unknown or has been revoked." };
  }
  if (!response.ok) {
    return { ok: false, reason: "unreachable", message: `The server answered HTTP ${response.status}.` };
  }
  const body = (await response.json()) as { data?: { apiTokens?: { __typename?: string } } };
  const typename = body.data?.apiTokens?.__typename;
  if (typename === "QueryApiTokensSuccess") return { ok: true, role: "ADMIN" };
  if (typename === "ForbiddenError") return { ok: true, role: "VIEWER" };
  return { ok: false, reason: "unreachable", message: "Unexpected answer from the server." };
}

export interface Session {
  token: Accessor<string | null>;
  role: Accessor<Role | null>;
  /** Why the user was signed out (shown on the sign-in page), if not by choice. */
  notice: Accessor<string | null>;
  signIn(token: string, role: Role): void;
  setRole(role: Role): void;
  signOut(reason?: string): void;
}

/**
 * The token lives in sessionStorage: it survives a reload but not the tab, and is never written
 * to a cookie, so no other site can make the browser send it.
 */
export function createSession(storage: Storage | undefined = globalThis.sessionStorage): Session {
  const [token, setToken] = createSignal<string | null>(storage?.getItem(STORAGE_KEY) ?? null);
  const [role, setRole] = createSignal<Role | null>(null);
  const [notice, setNotice] = createSignal<string | null>(null);
  return {
    token,
    role,
    notice,
    signIn(value, newRole) {
      storage?.setItem(STORAGE_KEY, value);
      setNotice(null);
      setRole(newRole);
      setToken(value);
    },
    setRole,
    signOut(reason) {
      storage?.removeItem(STORAGE_KEY);
      setNotice(reason ?? null);
      setRole(null);
      setToken(null);
    },
  };
}
