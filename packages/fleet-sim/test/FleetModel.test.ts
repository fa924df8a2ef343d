import { afterEach, describe, expect, it } from "vitest";
import {
  FLEET_ZERO_TIME,
  FleetModel,
  type FleetSim,
  HOST_STATES,
  type HostState,
  SimClock,
  startFleetSim,
} from "../src/index.ts";
import { DAY, HOUR, listByCursor, START } from "./FleetTestClient.ts";

function frozenModel(hosts: number, seed = 1): { model: FleetModel; clock: SimClock } {
  const clock = new SimClock({ startTime: START, manual: true });
  return { model: new FleetModel({ hosts, seed, clock }), clock };
}

const sims: FleetSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

describe("determinism", () => {
  it("serves byte-identical JSON for the same seed and clock, different JSON for another seed", async () => {
    const options = { hosts: 300, startTime: START, manualClock: true };
    const [a, b, c] = await Promise.all([
      startFleetSim({ ...options, seed: 7 }),
      startFleetSim({ ...options, seed: 7 }),
      startFleetSim({ ...options, seed: 8 }),
    ]);
    sims.push(a, b, c);
    for (const sim of [a, b, c]) sim.clock.advance(3 * DAY + 17_000);
    const page = async (sim: FleetSim): Promise<string> => {
      const res = await fetch(`${sim.url}/api/v1/fleet/hosts?page=0&per_page=300&device_mapping=true`, {
        headers: { authorization: `Bearer ${sim.token}` },
      });
      return res.text();
    };
    const [ja, jb, jc] = await Promise.all([page(a), page(b), page(c)]);
    expect(ja.length).toBeGreaterThan(100_000);
    expect(ja).toBe(jb);
    expect(ja).not.toBe(jc);
    expect(JSON.stringify(a.model.detail(a.model.hostIds()[9] ?? 0))).toBe(
      JSON.stringify(b.model.detail(b.model.hostIds()[9] ?? 0)),
    );
  });
});

describe("fleet realism", () => {
  it("has realistic platforms, owners and MDM strings", () => {
    const { model } = frozenModel(3000);
    const hosts = model.hostIds().map((id) => model.get(id, { deviceMapping: true }));
    const share = (platform: string): number => hosts.filter((h) => h?.platform === platform).length / hosts.length;
    expect(share("darwin")).toBeGreaterThan(0.5);
    expect(share("darwin")).toBeLessThan(0.6);
    expect(share("windows")).toBeGreaterThan(0.26);
    expect(share("windows")).toBeLessThan(0.34);
    for (const platform of ["ubuntu", "rhel", "chrome", "ios", "ipados"]) expect(share(platform)).toBeGreaterThan(0);
    const statuses = new Set(hosts.map((h) => h?.mdm?.enrollment_status ?? null));
    for (const status of [
      "On (manual)",
      "On (automatic)",
      "On (personal)",
      "On (manual - personal)",
      "On (company-owned)",
      null,
    ]) {
      expect(statuses, String(status)).toContain(status);
    }
    const emails = hosts.flatMap((h) => h?.device_mapping?.map((m) => m.email) ?? []);
    const perOwner = new Map<string, number>();
    for (const email of emails) perOwner.set(email, (perOwner.get(email) ?? 0) + 1);
    const multi = [...perOwner.values()].filter((n) => n >= 2).length;
    expect(multi / perOwner.size).toBeGreaterThan(0.05);
    expect(multi / perOwner.size).toBeLessThan(0.3);
    expect(new Set(hosts.map((h) => h?.uuid)).size).toBe(hosts.length);
  });
});

/** The Fleet fields each situation must show, checked on a host's detail at the model's now. */
function expectFieldsMatchState(model: FleetModel, id: number, state: HostState, now: number): void {
  const host = model.detail(id);
  const situation = model.situationOf(id);
  if (!host || !situation) throw new Error(`host ${id} vanished`);
  const label = `host ${id} (${host.platform}) in ${state}`;
  const since = situation.since.getTime();
  const seen = Date.parse(host.seen_time);
  const detail = host.detail_updated_at === FLEET_ZERO_TIME ? null : Date.parse(host.detail_updated_at);
  const mdmStatus = host.mdm?.enrollment_status ?? null;
  switch (state) {
    case "HEALTHY":
      expect(host.status, label).toBe("online");
      expect(detail, label).not.toBeNull();
      expect(detail ?? 0, label).toBeGreaterThanOrEqual(now - HOUR);
      if (host.mdm) expect(mdmStatus, label).toMatch(/^On \(/);
      break;
    case "ENROLLMENT_ABANDONED":
      expect(host.detail_updated_at, label).toBe(FLEET_ZERO_TIME);
      expect(host.last_mdm_enrolled_at, label).toBeNull();
      if (host.mdm) expect(["Pending", "Off"], label).toContain(mdmStatus);
      break;
    case "AGENT_STOPPED": {
      expect(detail ?? 0, label).toBeLessThanOrEqual(since);
      // Still in contact: orbit keeps checking in, and so does MDM.
      expect(host.status, label).toBe("online");
      if (host.mdm) expect(Date.parse(host.last_mdm_checked_in_at ?? ""), label).toBeGreaterThanOrEqual(now - 4 * HOUR);
      break;
    }
    case "PROFILE_REMOVED":
      expect(mdmStatus, label).toBe("Off");
      expect(host.last_mdm_enrolled_at, label).not.toBeNull();
      expect(host.mdm?.connected_to_fleet, label).toBe(false);
      break;
    case "OFFLINE":
      expect(seen, label).toBeLessThanOrEqual(since);
      if (now - since > 2 * HOUR) expect(host.status, label).toBe("offline");
      if (host.mdm) expect(mdmStatus, label).toMatch(/^On \(/);
      break;
  }
}

describe("situations over virtual time", () => {
  it("shows every situation, mostly healthy hosts, hosts moving between situations and getting fixed", () => {
    const { model, clock } = frozenModel(2000, 3);
    const ids = model.hostIds();
    const seenStates = new Set<HostState>();
    const previous = new Map<number, HostState>();
    let broke = 0;
    let fixed = 0;
    for (let step = 0; step < 40; step++) {
      const counts = model.stateCounts();
      const healthyShare = counts.HEALTHY / ids.length;
      expect(healthyShare).toBeGreaterThan(0.8);
      expect(healthyShare).toBeLessThan(0.96);
      for (const id of ids) {
        const state = model.stateOf(id);
        if (!state) throw new Error("host vanished");
        seenStates.add(state);
        const before = previous.get(id);
        if (before === "HEALTHY" && state !== "HEALTHY") broke += 1;
        if (before && before !== "HEALTHY" && state === "HEALTHY") fixed += 1;
        previous.set(id, state);
        if (step % 8 === 0) expectFieldsMatchState(model, id, state, clock.now());
      }
      clock.advance(3 * DAY + 5 * HOUR);
    }
    expect([...seenStates].sort()).toEqual([...HOST_STATES].sort());
    expect(broke).toBeGreaterThan(200);
    expect(fixed).toBeGreaterThan(200);
  });

  it("lets long offline episodes reach Fleet's missing threshold", () => {
    const { model, clock } = frozenModel(2000, 5);
    let missing = 0;
    for (let step = 0; step < 10; step++) {
      missing = Math.max(missing, model.count({ status: "missing" }));
      clock.advance(7 * DAY);
    }
    expect(missing).toBeGreaterThan(5);
  });
});

describe("test levers", () => {
  it("setState shows the situation in the Fleet fields, fix() brings the host back", () => {
    const { model, clock } = frozenModel(400);
    const macs = model
      .hostIds()
      .filter((id) => model.get(id)?.platform === "darwin" && model.stateOf(id) === "HEALTHY")
      .slice(0, 5);
    const states: HostState[] = ["ENROLLMENT_ABANDONED", "AGENT_STOPPED", "PROFILE_REMOVED", "OFFLINE", "HEALTHY"];
    states.forEach((state, i) => {
      const id = macs[i] ?? 0;
      model.setState(id, state);
    });
    clock.advance(3 * DAY);
    states.forEach((state, i) => {
      const id = macs[i] ?? 0;
      expect(model.stateOf(id)).toBe(state);
      expectFieldsMatchState(model, id, state, clock.now());
    });
    const stopped = macs[1] ?? 0;
    expect(Date.parse(model.get(stopped)?.detail_updated_at ?? "")).toBeLessThanOrEqual(clock.now() - 3 * DAY);
    const offline = macs[3] ?? 0;
    expect(model.get(offline)?.status).toBe("offline");
    const removed = macs[2] ?? 0;
    const enrolledBefore = model.detail(removed)?.last_mdm_enrolled_at;

    clock.advance(HOUR);
    for (const id of macs.slice(0, 4)) model.fix(id);
    const now = clock.now();
    for (const id of macs.slice(0, 4)) {
      expect(model.stateOf(id)).toBe("HEALTHY");
      expectFieldsMatchState(model, id, "HEALTHY", now);
      expect(Date.parse(model.get(id)?.detail_updated_at ?? "")).toBe(now);
    }
    // Re-installing the profile is a new MDM enrolment.
    expect(model.detail(removed)?.last_mdm_enrolled_at).not.toBe(enrolledBefore);
    expect(Date.parse(model.detail(removed)?.last_mdm_enrolled_at ?? "")).toBe(now);
  });

  it("refuses situations that make no sense for the platform", () => {
    const { model } = frozenModel(500);
    const chrome = model.hostIds().find((id) => model.get(id)?.platform === "chrome");
    const noMdm = model.hostIds().find((id) => model.get(id)?.mdm === null);
    if (chrome === undefined || noMdm === undefined) throw new Error("fleet lacks chrome or MDM-less hosts");
    expect(() => model.setState(chrome, "AGENT_STOPPED")).toThrow(/does not apply/);
    expect(() => model.setState(noMdm, "PROFILE_REMOVED")).toThrow(/does not apply/);
    expect(() => model.setState(999_999, "OFFLINE")).toThrow(/not in the fleet/);
  });

  it("addHost enrols a new host now; removeHost purges it", () => {
    const { model, clock } = frozenModel(20);
    clock.advance(HOUR);
    const id = model.addHost({ platform: "ios" });
    expect(id).toBeGreaterThan(Math.max(...model.hostIds().filter((x) => x !== id)));
    expect(model.get(id)?.platform).toBe("ios");
    expect(model.stateOf(id)).toBe("HEALTHY");
    expect(model.count({ status: "new" })).toBeGreaterThanOrEqual(1);
    const abandoned = model.addHost({ platform: "darwin", state: "ENROLLMENT_ABANDONED" });
    expect(model.get(abandoned)?.detail_updated_at).toBe(FLEET_ZERO_TIME);
    const owner = model.get(id, { deviceMapping: true })?.device_mapping?.[0]?.email ?? "";
    const second = model.addHost({ platform: "darwin", ownerEmail: owner });
    expect(model.get(second, { deviceMapping: true })?.device_mapping?.[0]?.email).toBe(owner);
    expect(model.removeHost(id)).toBe(true);
    expect(model.get(id)).toBeUndefined();
    expect(model.size).toBe(22);
  });

  it("transfer moves a host to another team or to none: its list item, team filters and details follow", () => {
    const { model } = frozenModel(50);
    const id = model.hostIds().find((h) => model.profile(h)?.teamId === 1);
    if (id === undefined) throw new Error("no host in Workstations");
    const before = model.get(id, { deviceMapping: true });
    const inTeam = (teamId: number) => model.list({ teamId }, { page: 0, perPage: 1000 }).map((h) => h.id);
    expect(model.transfer(id, { id: 2, name: "Engineering" })).toBe(true);
    expect(model.get(id, { deviceMapping: true })).toEqual({ ...before, team_id: 2, team_name: "Engineering" });
    expect(model.detail(id)).toMatchObject({ team_id: 2, team_name: "Engineering" });
    expect(inTeam(2)).toContain(id);
    expect(inTeam(1)).not.toContain(id);
    model.transfer(id, null);
    expect(model.get(id)).toMatchObject({ team_id: null, team_name: null });
    expect(inTeam(0)).toContain(id);
    expect(model.transfer(999_999, null)).toBe(false);
  });

  it("mutate(fraction) changes exactly that share of hosts, deterministically, and nothing else", () => {
    const a = frozenModel(1000, 11);
    const b = frozenModel(1000, 11);
    const before = new Map(a.model.hostIds().map((id) => [id, JSON.stringify(a.model.get(id))]));
    const changed = a.model.mutate(0.01);
    expect(changed).toHaveLength(10);
    expect(b.model.mutate(0.01)).toEqual(changed);
    const differing = a.model.hostIds().filter((id) => JSON.stringify(a.model.get(id)) !== before.get(id));
    expect(differing).toEqual(changed);
    // A second call picks again.
    expect(a.model.mutate(0.01)).not.toEqual(changed);
  });
});

describe("SimClock", () => {
  it("runs scaled from the start time, advances on demand, freezes and resumes", async () => {
    const clock = new SimClock({ startTime: START, timeScale: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const t1 = clock.now();
    expect(t1 - START.getTime()).toBeGreaterThanOrEqual(25_000);
    clock.freeze();
    const frozen = clock.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(clock.now()).toBe(frozen);
    clock.advance(DAY);
    expect(clock.now()).toBe(frozen + DAY);
    clock.resume();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(clock.now()).toBeGreaterThan(frozen + DAY);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it("drives the served data: a sim with a fast clock moves hosts without any test lever", async () => {
    const sim = await startFleetSim({ hosts: 500, seed: 2, startTime: START, timeScale: DAY / 10 });
    sims.push(sim);
    const first = await listByCursor(sim, 500);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const second = await listByCursor(sim, 500);
    const moved = second.filter(
      (h, i) => h.status !== first[i]?.status || h.mdm?.enrollment_status !== first[i]?.mdm?.enrollment_status,
    );
    expect(moved.length).toBeGreaterThan(10);
  });
});
