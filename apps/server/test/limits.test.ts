import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ADMIN_TOKEN, gql, startTestServer, type TestServer } from "./testkit.ts";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const Settings = gql<{ settings: { syncIntervalMinutes: number } }>("{ settings { syncIntervalMinutes } }");

/** Opens a raw graphql-ws socket and resolves with how the server closed it. */
async function closeOf(url: string, options: { origin?: string; send?: (ws: WebSocket) => void } = {}) {
  const ws = new WebSocket(url, "graphql-transport-ws", options.origin ? { origin: options.origin } : {});
  const result = new Promise<{ code: number; reason: string } | { refused: number }>((resolve) => {
    ws.on("unexpected-response", (_req, res) => resolve({ refused: res.statusCode ?? 0 }));
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.on("error", () => {});
  });
  ws.on("open", () => options.send?.(ws));
  return result;
}

describe("limits", () => {
  it("rate-limits a token that sends too many requests (429) while other tokens are still served", async () => {
    server = await startTestServer({ hosts: 10, env: { RATE_LIMIT_PER_MINUTE: "5" } });
    const viewer = await server.createToken("VIEWER"); // the admin token's first request
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await server.raw(Settings)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const limited = await server.raw(Settings);
    expect(limited.body.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    expect((await server.raw(Settings, undefined, viewer)).status).toBe(200);
  });

  it("turns introspection and GraphiQL off in production", async () => {
    server = await startTestServer({ hosts: 10, env: { NODE_ENV: "production" } });
    const result = await server.raw(gql("{ __schema { queryType { name } } }"));
    expect(result.body.errors?.[0]?.message).toMatch(/introspection/i);
    const page = await fetch(`${server.url}/graphql`, { headers: { accept: "text/html" } });
    expect(page.headers.get("content-type") ?? "").not.toContain("text/html");
    expect((await server.raw(Settings)).status).toBe(200);
  });

  it("refuses WebSockets from an origin that is not allowed, accepts an allowed one", async () => {
    server = await startTestServer({ hosts: 10, env: { ALLOWED_ORIGINS: "https://dashboard.example.com" } });
    expect(await closeOf(server.wsUrl, { origin: "https://evil.example.com" })).toEqual({ refused: 403 });
    const allowed = closeOf(server.wsUrl, {
      origin: "https://dashboard.example.com",
      send: (ws) => {
        ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${ADMIN_TOKEN}` } }));
        ws.once("message", () => ws.close(1000, "done"));
      },
    });
    expect(await allowed).toEqual({ code: 1000, reason: "done" });
  });

  it("closes a socket that never sends connection_init", async () => {
    server = await startTestServer({ hosts: 10 });
    const started = Date.now();
    const closed = await closeOf(server.wsUrl);
    expect(closed).toMatchObject({ code: 4408 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
  }, 15_000);

  it("closes a socket that sends a frame over 64 KiB", async () => {
    server = await startTestServer({ hosts: 10 });
    const closed = await closeOf(server.wsUrl, { send: (ws) => ws.send("x".repeat(70 * 1024)) });
    expect(closed).toMatchObject({ code: 1009 });
    // The server keeps serving.
    expect((await server.raw(Settings)).status).toBe(200);
  });
});

it("the socket helper works against a plain listener", async () => {
  // Guard for closeOf itself: a server that accepts and closes with 1000 is reported as such.
  const { WebSocketServer } = await import("ws");
  const wss = new WebSocketServer({ port: 0 });
  await once(wss, "listening");
  wss.on("connection", (socket) => socket.close(1000, "bye"));
  const address = wss.address();
  const port = typeof address === "object" && address ? address.port : 0;
  expect(await closeOf(`ws://127.0.0.1:${port}`)).toEqual({ code: 1000, reason: "bye" });
  wss.close();
});

describe("list sizes", () => {
  it("refuses an operation whose nested pages multiply past the row limit, before running it", async () => {
    const server = await startTestServer({ hosts: 20 });
    try {
      const Nested = gql<unknown, { devices: number; activity: number }>(
        `query Nested($devices: Int, $activity: Int) { devices(first: $devices) { edges { node { name activity(first: $activity) { action } } } } }`,
      );
      const refused = await server.raw(Nested, { devices: 500, activity: 200 });
      expect(refused.status, JSON.stringify(refused.body)).toBe(400);
      expect(refused.body.errors?.[0]?.extensions?.code, JSON.stringify(refused.body)).toBe("QUERY_TOO_LARGE");
      expect(refused.body.errors?.[0]?.message).toContain("about 100,000 rows (limit 25,000)");
      // The same shape with reasonable pages runs.
      const fine = await server.raw(Nested, { devices: 50, activity: 20 });
      expect(fine.status).toBe(200);
      expect(fine.body.errors).toBeUndefined();
      // A connection without `first` counts as a page of 50.
      const unpaged = await server.raw(
        gql<unknown, { n: number }>(
          `query Unpaged($n: Int) { statusEvents(first: $n) { device { history { edges { node { seq } } } } } }`,
        ),
        { n: 1000 },
      );
      expect(unpaged.body.errors?.[0]?.message).toContain("about 50,000 rows");
    } finally {
      await server.stop();
    }
  });

  it("refuses an oversized literal `first` as QUERY_TOO_LARGE, and a costly query without calling it a syntax error", async () => {
    const server = await startTestServer({ hosts: 20 });
    try {
      // armor's cost limit multiplies the same literal and used to answer first, with no code.
      const huge = await server.raw(gql("{ devices(first: 100000) { totalCount } }"));
      expect(huge.status, JSON.stringify(huge.body)).toBe(400);
      expect(huge.body.errors?.[0]?.extensions?.code, JSON.stringify(huge.body)).toBe("QUERY_TOO_LARGE");
      expect(huge.body.errors?.[0]?.message).toContain("about 100,000 rows (limit 25,000)");
      // The same document with a small page still runs (the refusal is not cached for it).
      const fine = await server.raw(gql("{ devices(first: 10) { totalCount } }"));
      expect(fine.body.errors).toBeUndefined();
      // Within the row limit but over the cost limit: refused by cost, in plain words, with a code.
      const costly = await server.raw(
        gql(
          "{ devices(first: 5000) { edges { node { name serial platform osVersion team status owner { email } } } } }",
        ),
      );
      expect(costly.status, JSON.stringify(costly.body)).toBe(400);
      expect(costly.body.errors?.[0]?.extensions?.code, JSON.stringify(costly.body)).toBe("QUERY_TOO_COSTLY");
      expect(costly.body.errors?.[0]?.message).toMatch(/^Query Cost limit of 20000 exceeded/);
    } finally {
      await server.stop();
    }
  });
});
