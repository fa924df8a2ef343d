import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOSE_UNAUTHORIZED } from "../src/http/graphqlWs.ts";
import { gql, readSse, SyncNow, startTestServer, type TestServer, take } from "./testkit.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ hosts: 40 });
});
afterAll(async () => {
  await server?.stop();
});

interface EventPayload {
  statusEvents: { seq: string; from: string | null; to: string; device: { fleetHostId: number } };
}
const STATUS_EVENTS = `subscription($afterSeq: String) { statusEvents(afterSeq: $afterSeq) { seq from to device { fleetHostId } } }`;

/** Changes `count` devices' situation in the simulator and syncs: `count` transitions. */
async function produceTransitions(count: number): Promise<number[]> {
  const sim = server.app.runtime.sim;
  if (!sim) throw new Error("no simulator");
  const ids: number[] = [];
  for (const id of sim.model.hostIds()) {
    if (ids.length === count) break;
    const p = sim.model.profile(id);
    if (p?.platform !== "darwin" || !p.mdm) continue;
    sim.model.setState(id, sim.model.stateOf(id) === "PROFILE_REMOVED" ? "HEALTHY" : "PROFILE_REMOVED");
    ids.push(id);
  }
  const result = await server.request(SyncNow);
  expect(result.syncNow).toMatchObject({ __typename: "MutationSyncNowSuccess" });
  return ids;
}

describe("statusEvents over graphql-ws", () => {
  it("replays from afterSeq, goes live, and resumes after a disconnect with every event exactly once", async () => {
    await server.request(SyncNow); // 40 initial events
    const client = server.wsClient();
    const first = client.iterate<EventPayload["statusEvents"] extends never ? never : EventPayload>({
      query: STATUS_EVENTS,
      variables: { afterSeq: "0" },
    });
    const replayed = await take(first, 40);
    expect(replayed.map((r) => r.data?.statusEvents.from)).toEqual(Array(40).fill(null));
    const changed = await produceTransitions(3);
    const live = await take(first, 3);
    expect(live.map((r) => r.data?.statusEvents.device.fleetHostId).sort()).toEqual([...changed].sort());
    const lastSeen = live.at(-1)?.data?.statusEvents.seq;
    await first.return?.();
    await client.dispose();

    // While nobody listens, more transitions happen.
    const missed = await produceTransitions(4);
    const resumed = server
      .wsClient()
      .iterate<EventPayload>({ query: STATUS_EVENTS, variables: { afterSeq: lastSeen } });
    const caughtUp = await take(resumed, 4);
    expect(caughtUp.map((r) => r.data?.statusEvents.device.fleetHostId).sort()).toEqual([...missed].sort());
    const seqs = [...replayed, ...live, ...caughtUp].map((r) => BigInt(r.data?.statusEvents.seq ?? "0"));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] ?? 0n))).toBe(true);
    // Nothing more arrives: no duplicate after the switch from replay to live.
    expect(await take(resumed, 1, 700)).toEqual([]);
    await resumed.return?.();
  });

  it("streams the status summary: current value first, then the change", async () => {
    const iterator = server
      .wsClient()
      .iterate<{ statusSummary: { total: number; counts: { status: string; count: number }[] } }>({
        query: "subscription { statusSummary { total counts { status count } } }",
      });
    const [initial] = await take(iterator, 1);
    const before = initial?.data?.statusSummary.counts.find((c) => c.status === "MDM_PROFILE_MISSING")?.count ?? 0;
    await produceTransitions(2);
    const [next] = await take(iterator, 1);
    const after = next?.data?.statusSummary.counts.find((c) => c.status === "MDM_PROFILE_MISSING")?.count ?? 0;
    expect(after).not.toBe(before);
    expect(next?.data?.statusSummary.total).toBe(40);
    await iterator.return?.();
  });

  it("lets a settings or summary subscriber that leaves go at once, not at the next change", async () => {
    // Counts the live listeners the two streams hold: settings signals from the pubsub, summary
    // change listeners from the cache. Each closed dashboard kept one of each until the next change.
    const { pubsub, summary } = server.app.services;
    let settingsListeners = 0;
    const subscribe = pubsub.subscribe;
    // The wrapper forwards any topic; only "settings" is counted (typed loosely on purpose).
    pubsub.subscribe = ((topic: "settings") => {
      const signals = subscribe(topic);
      if (topic !== "settings") return signals;
      settingsListeners++;
      const close = signals.return.bind(signals);
      signals.return = (value) => {
        settingsListeners--;
        return close(value);
      };
      return signals;
    }) as typeof pubsub.subscribe;
    let summaryListeners = 0;
    const onChange = summary.onChange.bind(summary);
    summary.onChange = (listener) => {
      summaryListeners++;
      const off = onChange(listener);
      return () => {
        summaryListeners--;
        off();
      };
    };
    try {
      for (const query of [
        "subscription { settings { syncIntervalMinutes } }",
        "subscription { statusSummary { total } }",
      ]) {
        const client = server.wsClient();
        const iterator = client.iterate({ query });
        expect(await take(iterator, 1)).toHaveLength(1);
        expect(settingsListeners + summaryListeners).toBe(1);
        await iterator.return?.();
        await client.dispose();
        const deadline = Date.now() + 2_000;
        while (settingsListeners + summaryListeners > 0 && Date.now() < deadline) await sleep(20);
        expect({ query, settingsListeners, summaryListeners }).toEqual({
          query,
          settingsListeners: 0,
          summaryListeners: 0,
        });
      }
    } finally {
      pubsub.subscribe = subscribe;
      summary.onChange = onChange;
    }
  });

  it("closes with 4401 without a valid token", async () => {
    let code = 0;
    const client = server.wsClient("wrong", {
      onClose: (c) => {
        code = c;
      },
    });
    const iterator = client.iterate({ query: "subscription { settings { syncIntervalMinutes } }" });
    await expect(iterator.next()).rejects.toBeDefined();
    expect(code).toBe(CLOSE_UNAUTHORIZED);
  });
});

describe("grouped live subscribers", () => {
  it("share one group per operation, each still gets exactly its events once, filters apply", async () => {
    const start = await server.request(
      gql<{ statusEvents: { seq: string }[] }>("{ statusEvents(first: 1000) { seq } }"),
    );
    const head = start.statusEvents.at(-1)?.seq ?? "0";
    const subscribers = [0, 1, 2].map(() =>
      server.wsClient().iterate<EventPayload>({ query: STATUS_EVENTS, variables: { afterSeq: head } }),
    );
    const filtered = server.wsClient().iterate<EventPayload>({
      query: `subscription($afterSeq: String) { statusEvents(afterSeq: $afterSeq, filter: { status: [MDM_PROFILE_MISSING] }) { seq from to device { fleetHostId } } }`,
      variables: { afterSeq: head },
    });
    // Iterators subscribe on their first next(): start reading, then let the subscriptions arrive.
    const receiving = subscribers.map((s) => take(s, 4));
    const receivingFiltered = take(filtered, 4, 3000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.app.groups.size).toBe(2);
    const changed = await produceTransitions(4);
    for (const events of await Promise.all(receiving)) {
      expect(events.map((e) => e.data?.statusEvents.device.fleetHostId).sort()).toEqual([...changed].sort());
    }
    const onlyMissing = await receivingFiltered;
    expect(onlyMissing.length).toBeGreaterThan(0);
    expect(onlyMissing.every((e) => e.data?.statusEvents.to === "MDM_PROFILE_MISSING")).toBe(true);
    for (const s of [...subscribers, filtered]) await s.return?.();
  });

  it("a team filter delivers the team's events only (grouped subscribers), and a null item those in no team", async () => {
    const sim = server.app.runtime.sim;
    if (!sim) throw new Error("no simulator");
    await server.request(SyncNow);
    const firstMac = sim.model.hostIds().find((id) => {
      const p = sim.model.profile(id);
      return p?.platform === "darwin" && p.mdm;
    });
    const team = sim.model.profile(firstMac ?? -1)?.teamName;
    if (!team) throw new Error("the first Mac has no team");
    const Events = gql<
      { statusEvents: { seq: string; device: { team: string | null } }[] },
      { afterSeq: string | null }
    >("query($afterSeq: String) { statusEvents(afterSeq: $afterSeq, first: 1000) { seq device { team } } }");
    const head = (await server.request(Events, { afterSeq: null })).statusEvents.at(-1)?.seq ?? null;
    const query = `subscription($afterSeq: String, $team: [String]) { statusEvents(afterSeq: $afterSeq, filter: { team: $team }) { seq device { team } } }`;
    type Payload = { statusEvents: { seq: string; device: { team: string | null } } };
    const teamOnly = server.wsClient().iterate<Payload>({ query, variables: { afterSeq: head, team: [team] } });
    const noTeam = server.wsClient().iterate<Payload>({ query, variables: { afterSeq: head, team: [null] } });
    try {
      await produceTransitions(6);
      const produced = (await server.request(Events, { afterSeq: head })).statusEvents;
      const expected = produced.filter((e) => e.device.team === team).map((e) => e.seq);
      expect(expected.length).toBeGreaterThan(0);
      const received = await take(teamOnly, expected.length, 5000);
      expect(received.map((e) => e.data?.statusEvents.seq)).toEqual(expected);
      expect(await take(teamOnly, 1, 700)).toEqual([]);
      // "No team" gets the others' events that are in no team, and nothing else.
      const inNoTeam = produced.filter((e) => e.device.team === null).map((e) => e.seq);
      const receivedNoTeam = await take(noTeam, inNoTeam.length, 5000);
      expect(receivedNoTeam.map((e) => e.data?.statusEvents.seq)).toEqual(inNoTeam);
      expect(await take(noTeam, 1, 300)).toEqual([]);
    } finally {
      await teamOnly.return?.();
      await noTeam.return?.();
    }
  });

  it("a member that completes is let go at once, and receives nothing more; the others carry on", async () => {
    const client = server.wsClient();
    const staying = client.iterate<EventPayload>({ query: STATUS_EVENTS });
    const leaving = client.iterate<EventPayload>({ query: STATUS_EVENTS });
    const stayingFirst = take(staying, 2);
    const leavingFirst = take(leaving, 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.app.groups.size).toBe(1);
    await produceTransitions(2);
    expect(await stayingFirst).toHaveLength(2);
    expect(await leavingFirst).toHaveLength(2);
    // Completed on the same socket, with no event in between: the group must drop it now.
    expect(server.app.groups.memberCount).toBe(2);
    await leaving.return?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.app.groups.memberCount).toBe(1);
    const Events = gql<{ statusEvents: { seq: string }[] }>("{ statusEvents(first: 1000) { seq } }");
    const head = BigInt((await server.request(Events)).statusEvents.at(-1)?.seq ?? "0");
    const later = take(staying, 2);
    await produceTransitions(2);
    const produced = (await server.request(Events)).statusEvents.map((e) => e.seq).filter((seq) => BigInt(seq) > head);
    expect(produced.length).toBeGreaterThan(0);
    expect((await later).map((e) => e.data?.statusEvents.seq)).toEqual(produced.slice(0, 2));
    await staying.return?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.app.groups.size).toBe(0);
  });
});

describe("statusEvents over SSE (in-process)", () => {
  it("replays events through yoga.fetch with text/event-stream", async () => {
    const { status, contentType, text } = await readSse(server.app, STATUS_EVENTS, { afterSeq: "0" }, 5);
    expect(status).toBe(200);
    expect(contentType).toContain("text/event-stream");
    const seqs = [...text.matchAll(/"seq":"(\d+)"/g)].map((m) => Number(m[1]));
    expect(seqs.slice(0, 5)).toEqual([...seqs.slice(0, 5)].sort((a, b) => a - b));
    expect(seqs[0]).toBe(1);
  });
});
