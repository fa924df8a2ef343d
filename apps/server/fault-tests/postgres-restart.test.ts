import { execSync } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { gql, SyncNow, startTestServer, type TestServer } from "../test/testkit.ts";

// Runs alone (the "faults" vitest project, after every other suite): it stops the machine's
// PostgreSQL, which every other suite needs.
const cluster = execSync("ls /etc/postgresql").toString().trim();
const pgctl = (action: "stop" | "start") =>
  execSync(`pg_ctlcluster --skip-systemctl-redirect ${cluster} main ${action}`, { stdio: "ignore" });

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ database: "postgres", hosts: 30 });
  await server.request(SyncNow);
});
afterAll(async () => {
  try {
    execSync("pg_isready -h 127.0.0.1 -p 5432", { stdio: "ignore" });
  } catch {
    pgctl("start");
  }
  await server?.stop();
});

const Summary = gql<{ statusSummary: { total: number } }>(
  "{ devices(first: 1) { totalCount edges { node { name } } } settings { syncIntervalMinutes } statusSummary { total } }",
);

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

it("while PostgreSQL is down requests fail cleanly, and the server recovers when it is back", async () => {
  expect((await server.raw(Summary)).status).toBe(200);
  pgctl("stop");
  try {
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: "database unavailable" });
    // The request fails with a clear error, not a hang: 503 when the token must be looked up, or a
    // masked GraphQL error when the token was verified moments ago and the query needs the database.
    const started = Date.now();
    const failed = await server.raw(Summary);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(failed.status >= 500 || (failed.body.errors?.length ?? 0) > 0, JSON.stringify(failed)).toBe(true);
    expect(JSON.stringify(failed.body)).not.toMatch(/ECONNREFUSED|stack|\.ts:/);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  } finally {
    pgctl("start");
  }
  expect(await until(async () => (await fetch(`${server.url}/readyz`)).status === 200, 20_000)).toBe(true);
  const recovered = await server.raw(Summary);
  expect(recovered.status).toBe(200);
  expect(recovered.body.data?.statusSummary.total).toBe(30);
  expect((await server.request(SyncNow)).syncNow).toMatchObject({ data: { state: "SUCCEEDED" } });
}, 60_000);
