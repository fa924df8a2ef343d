import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createTestPostgresDatabase, type TestPostgresDatabase } from "@enrollwatch/db/testing";
import { type FleetSim, startFleetSim } from "@enrollwatch/fleet-sim";
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { CSRF_HEADER } from "../src/http/createYogaServer.ts";
import { ADMIN_TOKEN, take } from "./testkit.ts";

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

interface Instance {
  url: string;
  child: ChildProcess;
}

/** A real Enrollwatch process, as a deployment runs several behind a load balancer. */
async function startInstance(env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, ["--import", "tsx", main], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", PORT: "0", LOG_LEVEL: "info", SYNC_ON_START: "false", ADMIN_TOKEN, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance did not start:\n${output}`)), 30_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk;
      const match = /"url":"(http:\/\/[^"]+)","msg":"listening"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.on("exit", (code) => reject(new Error(`instance exited (${code}):\n${output}`)));
  });
  return { url, child };
}

async function syncNow(
  instance: Instance,
): Promise<{ __typename: string; data?: { state: string; transitions: number } }> {
  const response = await fetch(`${instance.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}`, [CSRF_HEADER]: "1" },
    body: JSON.stringify({
      query: "mutation { syncNow { __typename ... on MutationSyncNowSuccess { data { state transitions } } } }",
    }),
  });
  const body = (await response.json()) as {
    data: { syncNow: { __typename: string; data?: { state: string; transitions: number } } };
  };
  return body.data.syncNow;
}

function subscribe(instance: Instance) {
  const client = createClient({
    url: `${instance.url.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  const events = client.iterate<{ statusEvents: { seq: string } }>({
    query: 'subscription { statusEvents(afterSeq: "0") { seq } }',
  });
  return { client, events };
}

describe("two instances on PostgreSQL and Redis", () => {
  let pg: TestPostgresDatabase;
  let sim: FleetSim;
  let a: Instance;
  let b: Instance;
  beforeAll(async () => {
    pg = await createTestPostgresDatabase();
    sim = await startFleetSim({ hosts: 150, seed: 5 });
    const env = {
      DATABASE_URL: pg.url,
      REDIS_URL: "redis://127.0.0.1:6379",
      FLEET_URL: sim.url,
      FLEET_API_TOKEN: sim.token,
    };
    a = await startInstance(env);
    b = await startInstance(env);
  }, 90_000);
  afterAll(async () => {
    for (const instance of [a, b]) instance?.child.kill("SIGKILL");
    await sim?.close();
    await pg?.drop();
  });

  it("a subscriber on one instance receives every event the other instance's sync writes, once", async () => {
    const { client, events } = subscribe(b);
    const received = take(events, 150, 20_000);
    const result = await syncNow(a);
    expect(result).toMatchObject({
      __typename: "MutationSyncNowSuccess",
      data: { state: "SUCCEEDED", transitions: 150 },
    });
    const seqs = (await received).map((e) => e.data?.statusEvents.seq);
    expect(seqs).toHaveLength(150);
    expect(new Set(seqs).size).toBe(150);
    await client.dispose();
  }, 60_000);

  it("when the syncing instance is killed mid-run, the other takes over with no lost or duplicate event", async () => {
    const { client, events } = subscribe(b);
    const replayed = await take(events, 150, 10_000);
    expect(replayed).toHaveLength(150);
    for (const id of sim.model.hostIds().slice(0, 20)) {
      const p = sim.model.profile(id);
      if (p?.platform === "darwin" && p.mdm) sim.model.setState(id, "PROFILE_REMOVED");
    }
    // Fleet answers slowly, so A is still fetching when it dies.
    sim.faults.add({ kind: "timeout", ms: 3_000, route: "list", times: 1 });
    const dying = syncNow(a).catch(() => null);
    await new Promise((resolve) => setTimeout(resolve, 800));
    a.child.kill("SIGKILL");
    await once(a.child, "exit");
    await dying;
    const result = await syncNow(b);
    expect(result.__typename).toBe("MutationSyncNowSuccess");
    expect(result.data?.state).toBe("SUCCEEDED");
    const live = await take(events, result.data?.transitions ?? 0, 10_000);
    expect(live).toHaveLength(result.data?.transitions ?? -1);
    const all = [...replayed, ...live].map((e) => BigInt(e.data?.statusEvents.seq ?? "0"));
    expect(new Set(all).size).toBe(all.length);
    expect(all.every((s, i) => i === 0 || s > (all[i - 1] ?? 0n))).toBe(true);
    // Nothing more arrives: no event twice.
    expect(await take(events, 1, 1_000)).toEqual([]);
    await client.dispose();
    // The run A left behind is not left RUNNING forever.
    const runs = await fetch(`${b.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}`, [CSRF_HEADER]: "1" },
      body: JSON.stringify({ query: "{ syncRuns(first: 5) { state error } }" }),
    }).then((r) => r.json() as Promise<{ data: { syncRuns: { state: string; error: string | null }[] } }>);
    expect(runs.data.syncRuns.map((r) => r.state)).toEqual(["SUCCEEDED", "FAILED", "SUCCEEDED"]);
    expect(runs.data.syncRuns[1]?.error).toBe("The instance running this sync stopped before it finished.");
  }, 60_000);
});
