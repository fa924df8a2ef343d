import { serverAudits } from "graphql-http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CSRF_HEADER } from "../src/http/createYogaServer.ts";
import { ADMIN_TOKEN, startTestServer, type TestServer } from "./testkit.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ hosts: 10 });
});
afterAll(async () => {
  await server?.stop();
});

it("passes every MUST of the GraphQL-over-HTTP audit", async () => {
  const audits = serverAudits({
    url: `${server.url}/graphql`,
    // Our transport requires a token and the CSRF header; the audit is about everything after that.
    fetchFn: (input: RequestInfo | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      headers.set("authorization", `Bearer ${ADMIN_TOKEN}`);
      headers.set(CSRF_HEADER, "1");
      return fetch(input, { ...init, headers });
    },
  });
  const failures: string[] = [];
  for (const audit of audits) {
    if (!audit.name.startsWith("MUST")) continue;
    const result = await audit.fn();
    if (result.status !== "ok") failures.push(`${audit.name}: ${result.reason}`);
  }
  expect(failures).toEqual([]);
  expect(audits.filter((a) => a.name.startsWith("MUST")).length).toBeGreaterThan(10);
});
