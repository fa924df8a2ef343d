import { type ChildProcess, execSync, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createTestPostgresDatabase, type TestPostgresDatabase } from "@enrollwatch/db/testing";
import { type FleetSim, startFleetSim } from "@enrollwatch/fleet-sim";
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { CSRF_HEADER } from "../src/http/createYogaServer.ts";
import { SERVER_COMMAND } from "./serverBundle.ts";
import { ADMIN_TOKEN, take } from "./testkit.ts";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

interface Instance {
  url: string;
  child: ChildProcess;
  output(): string;
}

/** A real Enrollwatch process, as a deployment runs several behind a load balancer. */
async function startInstance(env: Record<string, string>): Promise<Instance> {
  const [node, ...args] = SERVER_COMMAND;
  const child = spawn(node, args, {
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
  return { url, child, output: () => output };
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

  it("a Redis restart under load loses no event: every subscriber gets each exactly once", async () => {
    a = await startInstance({
      DATABASE_URL: pg.url,
      REDIS_URL: "redis://127.0.0.1:6379",
      FLEET_URL: sim.url,
      FLEET_API_TOKEN: sim.token,
    });
    const head = await fetch(`${b.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}`, [CSRF_HEADER]: "1" },
      body: JSON.stringify({ query: "{ statusEvents(first: 1000) { seq } }" }),
    }).then((r) => r.json() as Promise<{ data: { statusEvents: { seq: string }[] } }>);
    const before = head.data.statusEvents.length;
    const { client, events } = subscribe(b);
    expect(await take(events, before, 10_000)).toHaveLength(before);

    execSync("redis-cli -h 127.0.0.1 -p 6379 shutdown nosave || true");
    try {
      for (const id of sim.model.hostIds().slice(40, 80)) {
        const p = sim.model.profile(id);
        if (p?.platform === "darwin" && p.mdm)
          sim.model.setState(id, sim.model.stateOf(id) === "PROFILE_REMOVED" ? "HEALTHY" : "PROFILE_REMOVED");
      }
      const result = await syncNow(a);
      expect(result.data?.state).toBe("SUCCEEDED");
      const expected = result.data?.transitions ?? 0;
      expect(expected).toBeGreaterThan(0);
      // With Redis down the signal is lost; the subscriber's instance finds the events on its own.
      const received = await take(events, expected, 15_000);
      expect(received.length, b.output().slice(-3000)).toBe(expected);
      const seqs = received.map((e) => e.data?.statusEvents.seq);
      expect(new Set(seqs).size).toBe(expected);
    } finally {
      execSync(
        'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log',
      );
    }
    for (let i = 0; i < 50; i++) {
      try {
        execSync("redis-cli -h 127.0.0.1 -p 6379 ping", { stdio: "ignore" });
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    // After Redis is back, signals flow again and nothing arrives twice.
    for (const id of sim.model.hostIds().slice(80, 110)) {
      const p = sim.model.profile(id);
      if (p?.platform === "darwin" && p.mdm) sim.model.setState(id, "PROFILE_REMOVED");
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const next = await syncNow(a);
    const more = await take(events, next.data?.transitions ?? 0, 15_000);
    expect(more).toHaveLength(next.data?.transitions ?? -1);
    expect(await take(events, 1, 1_000)).toEqual([]);
    await client.dispose();
  }, 90_000);
});

describe("scheduled sync takeover", () => {
  let pg: TestPostgresDatabase;
  let sim: FleetSim;
  const instances: Instance[] = [];
  beforeAll(async () => {
    pg = await createTestPostgresDatabase();
    sim = await startFleetSim({ hosts: 80, seed: 7 });
  });
  afterAll(async () => {
    for (const instance of instances) instance.child.kill("SIGKILL");
    await sim?.close();
    await pg?.drop();
  });

  type Run = { id: string; state: string; trigger: string; startedAt: string; error: string | null };
  async function runs(instance: Instance): Promise<Run[]> {
    const response = await fetch(`${instance.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}`, [CSRF_HEADER]: "1" },
      body: JSON.stringify({ query: "{ syncRuns(first: 10) { id state trigger startedAt error } }" }),
    });
    return ((await response.json()) as { data: { syncRuns: Run[] } }).data.syncRuns;
  }
  async function until<T>(read: () => Promise<T | undefined>, ms: number): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await read();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error("timed out");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("when the syncing instance dies mid-run, another starts the sync within two lock checks", async () => {
    const CHECK_SECONDS = 1;
    const env = {
      DATABASE_URL: pg.url,
      FLEET_URL: sim.url,
      FLEET_API_TOKEN: sim.token,
      SYNC_ON_START: "true",
      SYNC_LOCK_CHECK_SECONDS: String(CHECK_SECONDS),
    };
    // The first instance's start-up sync hangs on Fleet, so it is mid-run when it dies.
    sim.faults.add({ kind: "timeout", ms: 20_000, route: "list", times: 1 });
    const syncing = await startInstance(env);
    instances.push(syncing);
    await until(async () => (await runs(syncing)).find((r) => r.state === "RUNNING"), 10_000);
    const standby = await startInstance(env);
    instances.push(standby);
    // The standby checks, finds the lock held, and stands by.
    await new Promise((resolve) => setTimeout(resolve, 2 * CHECK_SECONDS * 1000));
    expect((await runs(standby)).filter((r) => r.trigger === "takeover")).toEqual([]);

    const killedAt = Date.now();
    syncing.child.kill("SIGKILL");
    await once(syncing.child, "exit");
    const takeover = await until(
      async () => (await runs(standby)).find((r) => r.trigger === "takeover" && r.state === "SUCCEEDED"),
      20_000,
    );
    const startedAfterMs = Date.parse(takeover.startedAt) - killedAt;
    expect(startedAfterMs).toBeLessThanOrEqual(2 * CHECK_SECONDS * 1000);
    const all = await runs(standby);
    expect(all.map((r) => r.state)).toEqual(["SUCCEEDED", "FAILED"]);
    expect(all[1]?.error).toBe("The instance running this sync stopped before it finished.");
  }, 90_000);
});
