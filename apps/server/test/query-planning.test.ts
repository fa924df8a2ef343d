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

it("alert events reach a subscriber with their alerts, rules and devices without a query per event", async () => {
  const events = server.wsClient().iterate<{
    alerts: { seq: string; alert: { state: string; rule: { name: string }; device: { name: string } } };
  }>({
    query: "subscription { alerts { seq kind alert { id state rule { name } device { name } } } }",
  });
  const countProblems = () =>
    server.app.db.prisma.device.count({
      where: { status: { in: ["PARTIALLY_ENROLLED", "AGENT_INACTIVE", "MDM_PROFILE_MISSING", "OFFLINE"] } },
    });
  // Enough events that one query per event would show.
  if ((await countProblems()) < 10) {
    const sim = server.app.runtime.sim;
    const macs = sim?.model.hostIds().filter((id) => sim.model.profile(id)?.mdm && sim.model.stateOf(id) === "HEALTHY");
    for (const id of macs?.slice(0, 10) ?? []) sim?.model.setState(id, "PROFILE_REMOVED");
    await server.request(SyncNow);
  }
  const problems = await countProblems();
  expect(problems).toBeGreaterThanOrEqual(10);
  const receiving = take(events, problems, 15_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const statements: string[] = [];
  const stop = database().onQuery((sql) => statements.push(sql));
  try {
    const created = await server.request(
      gql<{ createAlertRule: { __typename: string } }>(
        `mutation { createAlertRule(input: { name: "Every problem", severity: LOW,
           statuses: [PARTIALLY_ENROLLED, AGENT_INACTIVE, MDM_PROFILE_MISSING, OFFLINE] }) { __typename } }`,
      ),
    );
    expect(created.createAlertRule.__typename).toBe("MutationCreateAlertRuleSuccess");
    const received = await receiving;
    expect(received).toHaveLength(problems);
    for (const r of received) expect(r.data?.alerts.alert.rule.name).toBe("Every problem");
  } finally {
    stop();
    await events.return?.();
  }
  // Each batch of events is read once with everything the subscription selects.
  const eventReads = statements.filter((sql) => /FROM "public"\."AlertEvent"/.test(sql));
  expect(eventReads.length).toBeLessThan(5);
  const ruleReads = statements.filter((sql) => /FROM "public"\."AlertRule"/.test(sql));
  expect(ruleReads.length).toBeLessThan(5);
});
