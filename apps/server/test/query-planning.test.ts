import { afterAll, beforeAll, expect, it } from "vitest";
import { database } from "../src/db.ts";
import { gql, SyncNow, startTestServer, type TestServer, take } from "./testkit.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ hosts: 120, env: { PRISMA_QUERY_EVENTS: "true" } });
  await server.request(SyncNow);
});
afterAll(async () => {
  await server?.stop();
});

const Page = gql<
  { devices: { edges: { node: { owner: { email: string } | null; history: { edges: unknown[] } } }[] } },
  { first: number }
>(
  `query Page($first: Int) {
    devices(first: $first) {
      totalCount
      edges { node { id name status owner { email name } problems { status } history(first: 3) { edges { node { seq to at } } } } }
    }
  }`,
);

async function queriesFor(first: number): Promise<string[]> {
  const statements: string[] = [];
  const stop = database().onQuery((sql) => statements.push(sql));
  try {
    const data = await server.request(Page, { first });
    expect(data.devices.edges).toHaveLength(first);
  } finally {
    stop();
  }
  // Auth bookkeeping (token lookup) is not part of the page.
  return statements.filter((sql) => !sql.includes('"ApiToken"'));
}

it("a devices page with owners and history runs the same queries whatever its size (no N+1)", async () => {
  await queriesFor(1); // warm: the status summary behind totalCount is computed once, then cached
  const small = await queriesFor(5);
  const large = await queriesFor(100);
  expect(large.length).toBe(small.length);
  // Devices with owners and history: a handful of statements, not one per device.
  expect(small.length).toBeLessThanOrEqual(4);
});

it("live events reach a subscriber without a device query per event", async () => {
  const sim = server.app.runtime.sim;
  if (!sim) throw new Error("no simulator");
  const macs = sim.model
    .hostIds()
    .filter((id) => {
      const p = sim.model.profile(id);
      return p?.platform === "darwin" && p.mdm && sim.model.stateOf(id) === "HEALTHY";
    })
    .slice(0, 10);
  expect(macs.length).toBe(10);
  const events = server
    .wsClient()
    .iterate<{ statusEvents: { seq: string; device: { name: string; fleetHostId: number } } }>({
      query: "subscription { statusEvents { seq to device { name fleetHostId } } }",
    });
  const receiving = take(events, 10, 15_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const statements: string[] = [];
  const stop = database().onQuery((sql) => statements.push(sql));
  try {
    for (const id of macs) sim.model.setState(id, "PROFILE_REMOVED");
    await server.request(SyncNow);
    const received = await receiving;
    expect(received.map((r) => r.data?.statusEvents.device.fleetHostId).sort()).toEqual([...macs].sort());
  } finally {
    stop();
    await events.return?.();
  }
  // The feed reads events with their devices in one go; nothing is loaded per event.
  const deviceReads = statements.filter((sql) => /FROM "public"\."Device"/.test(sql));
  expect(deviceReads.length).toBeLessThan(5);
});
