import { createTestPostgresDatabase } from "@enrollwatch/db/testing";
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import { type App, buildApp } from "../src/buildApp.ts";
import { loadConfig } from "../src/config.ts";
import { CSRF_HEADER } from "../src/http/createYogaServer.ts";
import { createLogger } from "../src/logger.ts";

/** A GraphQL document that carries its result and variables types. */
export interface TypedDocument<Result, Variables = Record<string, never>> {
  source: string;
  /** Phantom fields: types only. */
  readonly __result?: Result;
  readonly __variables?: Variables;
}

export function gql<Result, Variables = Record<string, never>>(source: string): TypedDocument<Result, Variables> {
  return { source };
}

export const ADMIN_TOKEN = "test-admin-token-0123456789";

export interface GraphQLResponse<R> {
  data?: R;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface TestServer {
  app: App;
  url: string;
  wsUrl: string;
  /** Posts a document; throws, printing the request, on transport or GraphQL errors. */
  request<R, V>(doc: TypedDocument<R, V>, variables?: V, token?: string | null): Promise<R>;
  /** Posts a document and returns the raw HTTP status and body (for refusals). */
  raw<R, V>(
    doc: TypedDocument<R, V>,
    variables?: V,
    token?: string | null,
  ): Promise<{ status: number; body: GraphQLResponse<R> }>;
  wsClient(token?: string | null, options?: { onClose?: (code: number) => void }): Client;
  createToken(role: "ADMIN" | "VIEWER"): Promise<string>;
  stop(): Promise<void>;
}

/** The real app on an ephemeral port, embedded simulator, no background sync (tests call syncNow). */
export async function startTestServer(
  options: { database?: "pglite" | "postgres"; hosts?: number; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const pg = options.database === "postgres" ? await createTestPostgresDatabase() : undefined;
  const config = loadConfig({
    PORT: "0",
    DATA_DIR: "memory://",
    ADMIN_TOKEN,
    SYNC_ON_START: "false",
    DEMO_HOSTS: String(options.hosts ?? 60),
    DEMO_TIME_SCALE: "1",
    ...(pg ? { DATABASE_URL: pg.url } : {}),
    ...options.env,
  });
  const app = await buildApp(config, createLogger(process.env.TEST_LOG_LEVEL ?? "silent"));
  const { url } = await app.start();
  const endpoint = `${url}/graphql`;
  const wsUrl = endpoint.replace(/^http/, "ws");
  const clients: Client[] = [];

  async function raw<R, V>(doc: TypedDocument<R, V>, variables?: V, token: string | null = ADMIN_TOKEN) {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        [CSRF_HEADER]: "1",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query: doc.source, variables }),
    });
    return { status: response.status, body: (await response.json()) as GraphQLResponse<R> };
  }

  const server: TestServer = {
    app,
    url,
    wsUrl,
    raw,
    async request(doc, variables, token) {
      const { status, body } = await raw(doc, variables, token);
      if (status !== 200 || body.errors?.length || !body.data) {
        throw new Error(
          `GraphQL request failed (HTTP ${status})\n--- request\n${doc.source.trim()}\n--- variables\n${JSON.stringify(variables)}\n--- response\n${JSON.stringify(body, null, 2)}`,
        );
      }
      return body.data;
    },
    wsClient(token = ADMIN_TOKEN, wsOptions = {}) {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        lazy: true,
        retryAttempts: 0,
        connectionParams: token ? { authorization: `Bearer ${token}` } : {},
        on: { closed: (event) => wsOptions.onClose?.((event as { code: number }).code) },
      });
      clients.push(client);
      return client;
    },
    async createToken(role) {
      const data = await server.request(CreateToken, { name: `test ${role}`, role });
      if (data.createApiToken.__typename !== "MutationCreateApiTokenSuccess") throw new Error("token not created");
      return data.createApiToken.data.secret;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.dispose()));
      await app.stop();
      await pg?.drop();
    },
  };
  return server;
}

export const CreateToken = gql<
  {
    createApiToken:
      | { __typename: "MutationCreateApiTokenSuccess"; data: { secret: string; token: { id: string; role: string } } }
      | { __typename: "ForbiddenError" | "ValidationError"; message: string };
  },
  { name: string; role: "ADMIN" | "VIEWER" }
>(`mutation CreateToken($name: String!, $role: ApiTokenRole!) {
  createApiToken(name: $name, role: $role) {
    __typename
    ... on MutationCreateApiTokenSuccess { data { secret token { id role } } }
    ... on Error { message }
  }
}`);

export const SyncNow = gql<{
  syncNow:
    | {
        __typename: "MutationSyncNowSuccess";
        data: { id: string; state: string; hostsSeen: number; transitions: number };
      }
    | { __typename: string; message: string };
}>(
  `mutation { syncNow { __typename ... on MutationSyncNowSuccess { data { id state hostsSeen transitions } } ... on Error { message } } }`,
);

/** Collects values from an async iterator until `count` arrived or `ms` passed. */
export async function take<T>(iterator: AsyncIterator<T>, count: number, ms = 10_000): Promise<T[]> {
  const values: T[] = [];
  const deadline = Date.now() + ms;
  while (values.length < count) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      iterator.next(),
      new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), remaining);
      }),
    ]);
    clearTimeout(timer);
    if (next === "timeout" || next.done) break;
    values.push(next.value);
  }
  return values;
}

/**
 * Runs a subscription in-process through `yoga.fetch` as Server-Sent Events and reads until
 * `events` `next` events arrived (or `ms` passed); returns the HTTP status, content type and the
 * raw stream text read.
 */
export async function readSse(
  app: App,
  query: string,
  variables: Record<string, unknown>,
  events: number,
  ms = 10_000,
): Promise<{ status: number; contentType: string | null; text: string }> {
  const response = await app.yoga.fetch("http://yoga/graphql", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "text/event-stream",
      authorization: `Bearer ${ADMIN_TOKEN}`,
      [CSRF_HEADER]: "1",
    },
    body: JSON.stringify({ query, variables }),
  });
  const reader = response.body?.getReader();
  if (!reader) throw new Error("no body");
  let text = "";
  const decoder = new TextDecoder();
  const deadline = Date.now() + ms;
  while ((text.match(/event: next/g) ?? []).length < events && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
  }
  await reader.cancel();
  return { status: response.status, contentType: response.headers.get("content-type"), text };
}
