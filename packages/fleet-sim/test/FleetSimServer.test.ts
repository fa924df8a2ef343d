import { afterEach, describe, expect, it } from "vitest";
import {
  FLEET_ZERO_TIME,
  type FleetErrorBody,
  type FleetHost,
  type FleetHostDetail,
  type FleetHostMdmResponse,
  type FleetHostSummary,
  type FleetMdmSummary,
  type FleetSim,
  startFleetSim,
} from "../src/index.ts";
import { call, DAY, getJson, HOUR, listByCursor, listByPage, START } from "./FleetTestClient.ts";

const HOST_FIELDS = [
  "id",
  "uuid",
  "hardware_serial",
  "hostname",
  "computer_name",
  "display_name",
  "platform",
  "os_version",
  "osquery_version",
  "orbit_version",
  "created_at",
  "updated_at",
  "seen_time",
  "detail_updated_at",
  "last_enrolled_at",
  "distributed_interval",
  "config_tls_refresh",
  "status",
  "team_id",
  "team_name",
  "mdm",
] as const;
const MDM_FIELDS = [
  "enrollment_status",
  "server_url",
  "name",
  "encryption_key_available",
  "dep_profile_error",
  "connected_to_fleet",
] as const;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let sim: FleetSim | undefined;

async function start(hosts: number, seed = 1): Promise<FleetSim> {
  sim = await startFleetSim({ hosts, seed, startTime: START, manualClock: true });
  return sim;
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("authentication", () => {
  it("answers 401 with Fleet's JSON error without a valid bearer token, on every route", async () => {
    const s = await start(20);
    const paths: [string, string][] = [
      ["GET", "/api/v1/fleet/hosts"],
      ["GET", "/api/v1/fleet/hosts/count"],
      ["GET", "/api/v1/fleet/hosts/5"],
      ["GET", "/api/v1/fleet/hosts/5/mdm"],
      ["GET", "/api/v1/fleet/host_summary"],
      ["GET", "/api/v1/fleet/hosts/summary/mdm"],
      ["DELETE", "/api/v1/fleet/hosts/5"],
      ["DELETE", "/api/v1/fleet/hosts/5/mdm"],
      ["POST", "/api/v1/fleet/hosts/5/refetch"],
    ];
    for (const [method, path] of paths) {
      const attempts: Record<string, string>[] = [
        {},
        { authorization: `Bearer ${s.token}x` },
        { authorization: s.token },
        { authorization: "Bearer" },
      ];
      for (const headers of attempts) {
        const res = await fetch(`${s.url}${path}`, { method, headers });
        expect(res.status, `${method} ${path}`).toBe(401);
        const body = (await res.json()) as FleetErrorBody;
        expect(body.message).toBe("Authentication required");
        expect(body.errors[0]?.name).toBe("base");
      }
    }
    // Nothing was deleted by the refused calls.
    expect(s.model.has(5)).toBe(true);
    const ok = await fetch(`${s.url}/api/v1/fleet/hosts/count`, { headers: { authorization: `bearer ${s.token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ count: 20 });
  });

  it("uses the token it was given, or a random one", async () => {
    const a = await startFleetSim({ hosts: 10, token: "fixed-token" });
    const b = await startFleetSim({ hosts: 10 });
    const c = await startFleetSim({ hosts: 10 });
    try {
      expect(a.token).toBe("fixed-token");
      expect(b.token.length).toBeGreaterThanOrEqual(20);
      expect(b.token).not.toBe(c.token);
      expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });
});

describe("GET /hosts paging", () => {
  it("visits every host exactly once in id order, with page/per_page and with the after cursor", async () => {
    const s = await start(253);
    const ids = s.model.hostIds();
    expect(ids).toHaveLength(253);
    const byPage = await listByPage(s, 40);
    const byCursor = await listByCursor(s, 40);
    expect(byPage.map((h) => h.id)).toEqual(ids);
    expect(byCursor.map((h) => h.id)).toEqual(ids);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(253);
  });

  it("orders descending and honours after in that direction", async () => {
    const s = await start(30);
    const ids = s.model.hostIds();
    const pivot = ids[20] ?? 0;
    const body = await getJson<{ hosts: FleetHost[] }>(
      s,
      `/api/v1/fleet/hosts?order_key=id&order_direction=desc&after=${pivot}&per_page=5`,
    );
    expect(body.hosts.map((h) => h.id)).toEqual(ids.slice(15, 20).reverse());
  });

  it("serves 20 hosts for a page without per_page and clamps per_page to 10000", async () => {
    const s = await start(10_050);
    expect((await getJson<{ hosts: FleetHost[] }>(s, "/api/v1/fleet/hosts?page=1")).hosts).toHaveLength(20);
    const big = await getJson<{ hosts: FleetHost[] }>(s, "/api/v1/fleet/hosts?page=0&per_page=50000");
    expect(big.hosts).toHaveLength(10_000);
    const rest = await getJson<{ hosts: FleetHost[] }>(s, "/api/v1/fleet/hosts?page=1&per_page=50000");
    expect(rest.hosts).toHaveLength(50);
  });

  it("includes device_mapping only when asked, and every documented field in Fleet's formats", async () => {
    const s = await start(300);
    const plain = await listByPage(s, 100);
    const mapped = await listByPage(s, 100, "&device_mapping=true");
    expect(plain.every((h) => !("device_mapping" in h))).toBe(true);
    expect(mapped.every((h) => "device_mapping" in h)).toBe(true);
    const owned = mapped.filter((h) => h.device_mapping);
    expect(owned.length).toBeGreaterThan(250);
    for (const host of owned) {
      expect(host.device_mapping?.[0]?.email).toMatch(/^[a-z]+\.[a-z]+\d*@example\.com$/);
    }
    for (const host of plain) {
      for (const field of HOST_FIELDS) expect(host, field).toHaveProperty(field);
      for (const field of ["created_at", "updated_at", "seen_time", "last_enrolled_at"] as const) {
        expect(host[field]).toMatch(RFC3339_UTC);
      }
      expect(host.detail_updated_at === FLEET_ZERO_TIME || RFC3339_UTC.test(host.detail_updated_at)).toBe(true);
      expect(["online", "offline"]).toContain(host.status);
      if (host.mdm) for (const field of MDM_FIELDS) expect(host.mdm).toHaveProperty(field);
    }
    // Most Linux and Chrome hosts, and some Windows ones, have no MDM information at all.
    expect(plain.some((h) => h.mdm === null && h.platform === "windows")).toBe(true);
    expect(plain.filter((h) => h.platform === "chrome").every((h) => h.mdm === null)).toBe(true);
  });

  it("serves list items identical to model.get()", async () => {
    const s = await start(200);
    const listed = await listByPage(s, 70, "&device_mapping=true");
    for (const host of listed) expect(host).toEqual(s.model.get(host.id, { deviceMapping: true }));
  });
});

describe("filters and counts", () => {
  it("counts what the list returns for every filter, and the list honours the filter", async () => {
    const s = await start(2000);
    const all = await listByCursor(s, 1000, "&device_mapping=true");
    const sample = all[123];
    const email = all.find((h) => h.device_mapping)?.device_mapping?.[0]?.email;
    if (!sample || !email) throw new Error("fleet too small for the test");
    const filters = [
      "status=online",
      "status=offline",
      "status=new",
      "status=missing",
      "status=mia",
      "mdm_enrollment_status=manual",
      "mdm_enrollment_status=automatic",
      "mdm_enrollment_status=enrolled",
      "mdm_enrollment_status=pending",
      "mdm_enrollment_status=unenrolled",
      "team_id=3",
      "team_id=0",
      "query=macbook",
      `query=${encodeURIComponent(sample.hardware_serial || sample.uuid)}`,
      `query=${encodeURIComponent(sample.uuid.toLowerCase())}`,
      `query=${encodeURIComponent(email)}`,
      "status=offline&mdm_enrollment_status=enrolled",
    ];
    const counts: Record<string, number> = {};
    for (const filter of filters) {
      const { count } = await getJson<{ count: number }>(s, `/api/v1/fleet/hosts/count?${filter}`);
      const listed = await listByPage(s, 300, `&${filter}&device_mapping=true`);
      expect(listed.length, filter).toBe(count);
      counts[filter] = count;
      if (filter === "status=online") expect(listed.every((h) => h.status === "online")).toBe(true);
      if (filter === "status=offline") expect(listed.every((h) => h.status === "offline")).toBe(true);
      if (filter === "team_id=3") expect(listed.every((h) => h.team_id === 3)).toBe(true);
      if (filter === "team_id=0") expect(listed.every((h) => h.team_id === null)).toBe(true);
      if (filter === "mdm_enrollment_status=pending") {
        expect(listed.every((h) => h.mdm?.enrollment_status === "Pending")).toBe(true);
      }
      if (filter === "mdm_enrollment_status=unenrolled") {
        expect(listed.every((h) => h.mdm?.enrollment_status === "Off")).toBe(true);
      }
      if (filter === "mdm_enrollment_status=enrolled") {
        expect(listed.every((h) => h.mdm?.enrollment_status?.startsWith("On ("))).toBe(true);
      }
      if (filter.startsWith("query=") && filter !== "query=macbook") {
        expect(listed.length, filter).toBeGreaterThanOrEqual(1);
      }
      if (filter === `query=${encodeURIComponent(email)}`) {
        expect(listed.every((h) => h.device_mapping?.some((m) => m.email === email))).toBe(true);
      }
    }
    expect((counts["status=online"] ?? 0) + (counts["status=offline"] ?? 0)).toBe(2000);
    expect(counts["status=mia"]).toBe(counts["status=missing"]);
    for (const nonEmpty of ["status=offline", "status=new", "status=missing", "query=macbook", "team_id=0"]) {
      expect(counts[nonEmpty], nonEmpty).toBeGreaterThan(0);
    }
    expect(counts["mdm_enrollment_status=enrolled"]).toBe(
      (counts["mdm_enrollment_status=manual"] ?? 0) + (counts["mdm_enrollment_status=automatic"] ?? 0),
    );
    expect(await getJson(s, "/api/v1/fleet/hosts/count")).toEqual({ count: 2000 });
  });

  it("host_summary and summary/mdm agree with the filtered counts", async () => {
    const s = await start(1500);
    const count = async (filter: string): Promise<number> =>
      (await getJson<{ count: number }>(s, `/api/v1/fleet/hosts/count?${filter}`)).count;
    const summary = await getJson<FleetHostSummary>(s, "/api/v1/fleet/host_summary");
    expect(summary.totals_hosts_count).toBe(1500);
    expect(summary.online_count).toBe(await count("status=online"));
    expect(summary.offline_count).toBe(await count("status=offline"));
    expect(summary.new_count).toBe(await count("status=new"));
    expect(summary.missing_30_days_count).toBe(await count("status=missing"));
    expect(summary.mia_count).toBe(summary.missing_30_days_count);
    expect(summary.platforms.reduce((n, p) => n + p.hosts_count, 0)).toBe(1500);
    const darwin = summary.platforms.find((p) => p.platform === "darwin")?.hosts_count ?? 0;
    expect(darwin / 1500).toBeGreaterThan(0.45);
    expect(darwin / 1500).toBeLessThan(0.65);

    const mdm = await getJson<FleetMdmSummary>(s, "/api/v1/fleet/hosts/summary/mdm");
    const st = mdm.mobile_device_management_enrollment_status;
    expect(
      st.enrolled_manual_hosts_count +
        st.enrolled_automated_hosts_count +
        st.enrolled_personal_hosts_count +
        st.pending_hosts_count +
        st.unenrolled_hosts_count,
    ).toBe(st.hosts_count);
    expect(st.enrolled_manual_hosts_count + st.enrolled_automated_hosts_count + st.enrolled_personal_hosts_count).toBe(
      await count("mdm_enrollment_status=enrolled"),
    );
    expect(st.pending_hosts_count).toBe(await count("mdm_enrollment_status=pending"));
    expect(st.unenrolled_hosts_count).toBe(await count("mdm_enrollment_status=unenrolled"));
    expect(mdm.mobile_device_management_solution.some((m) => m.name === "Fleet")).toBe(true);

    const team = await getJson<FleetHostSummary>(s, "/api/v1/fleet/host_summary?team_id=3");
    expect(team.totals_hosts_count).toBe(await count("team_id=3"));
    expect(team.platforms.every((p) => p.platform === "ios" || p.platform === "ipados")).toBe(true);
  });
});

describe("single-host endpoints", () => {
  it("serves host details and MDM info, 404 for unknown hosts", async () => {
    const s = await start(100);
    const darwinId = s.model
      .hostIds()
      .find((id) => s.model.get(id)?.platform === "darwin" && s.model.stateOf(id) === "HEALTHY");
    if (darwinId === undefined) throw new Error("no healthy mac");
    const { host } = await getJson<{ host: FleetHostDetail }>(s, `/api/v1/fleet/hosts/${darwinId}`);
    const item = s.model.get(darwinId);
    for (const field of HOST_FIELDS) expect(host[field]).toEqual(item?.[field]);
    expect(host.last_mdm_enrolled_at).toMatch(RFC3339_UTC);
    expect(host.last_mdm_checked_in_at).toMatch(RFC3339_UTC);
    expect(host.device_mapping[0]?.email).toMatch(/@example\.com$/);
    const user = host.end_users[0];
    expect(user?.idp_username || user?.other_emails[0]?.email).toBe(host.device_mapping[0]?.email);

    const mdm = await getJson<FleetHostMdmResponse>(s, `/api/v1/fleet/hosts/${darwinId}/mdm`);
    expect(mdm).toEqual({
      enrollment_status: item?.mdm?.enrollment_status,
      server_url: item?.mdm?.server_url,
      name: item?.mdm?.name,
      id: darwinId,
    });

    for (const path of ["/api/v1/fleet/hosts/999999", "/api/v1/fleet/hosts/999999/mdm"]) {
      const res = await call(s, path);
      expect(res.status).toBe(404);
      const body = (await res.json()) as FleetErrorBody;
      expect(body.errors[0]?.reason).toBe("Host was not found in the datastore");
    }
  });

  it("DELETE purges a host until it re-enrols with a new id and a fresh last_enrolled_at", async () => {
    const s = await start(50);
    const id = s.model.hostIds()[10] ?? 0;
    const before = s.model.get(id);
    const res = await call(s, `/api/v1/fleet/hosts/${id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect((await call(s, `/api/v1/fleet/hosts/${id}`)).status).toBe(404);
    expect((await call(s, `/api/v1/fleet/hosts/${id}`, { method: "DELETE" })).status).toBe(404);
    expect((await listByCursor(s, 100)).map((h) => h.id)).not.toContain(id);
    expect(await getJson(s, "/api/v1/fleet/hosts/count")).toEqual({ count: 49 });

    s.clock.advance(2 * DAY);
    const newId = s.model.reenroll(id);
    expect(newId).toBeGreaterThan(Math.max(...s.model.hostIds().filter((x) => x !== newId)));
    const { host } = await getJson<{ host: FleetHostDetail }>(s, `/api/v1/fleet/hosts/${newId}`);
    const now = new Date(s.clock.now()).toISOString().replace(".000Z", "Z");
    expect(host.uuid).toBe(before?.uuid);
    expect(host.hardware_serial).toBe(before?.hardware_serial);
    expect(host.last_enrolled_at).toBe(now);
    expect(host.created_at).toBe(now);
    expect(host.status).toBe("online");
    const fresh = await listByPage(s, 100, "&status=new");
    expect(fresh.map((h) => h.id)).toContain(newId);

    // A live host that re-enrols keeps its id.
    const liveId = s.model.hostIds()[3] ?? 0;
    s.clock.advance(HOUR);
    expect(s.model.reenroll(liveId)).toBe(liveId);
    expect(s.model.get(liveId)?.last_enrolled_at).toBe(new Date(s.clock.now()).toISOString().replace(".000Z", "Z"));
  });

  it("DELETE /mdm turns MDM off and keeps last_mdm_enrolled_at; 400 for hosts without MDM", async () => {
    const s = await start(200);
    const mac = s.model.hostIds().find((id) => {
      const h = s.model.get(id);
      return h?.platform === "darwin" && h.mdm?.enrollment_status?.startsWith("On");
    });
    const linux = s.model.hostIds().find((id) => s.model.get(id)?.mdm === null);
    if (mac === undefined || linux === undefined) throw new Error("fleet lacks a mac or an MDM-less host");
    const before = await getJson<{ host: FleetHostDetail }>(s, `/api/v1/fleet/hosts/${mac}`);
    const res = await call(s, `/api/v1/fleet/hosts/${mac}/mdm`, { method: "DELETE" });
    expect(res.status).toBe(204);
    const mdm = await getJson<FleetHostMdmResponse>(s, `/api/v1/fleet/hosts/${mac}/mdm`);
    expect(mdm.enrollment_status).toBe("Off");
    const after = await getJson<{ host: FleetHostDetail }>(s, `/api/v1/fleet/hosts/${mac}`);
    expect(after.host.mdm?.enrollment_status).toBe("Off");
    expect(after.host.mdm?.connected_to_fleet).toBe(false);
    expect(after.host.last_mdm_enrolled_at).toBe(before.host.last_mdm_enrolled_at);
    expect(after.host.last_mdm_enrolled_at).not.toBeNull();
    expect(s.model.stateOf(mac)).toBe("PROFILE_REMOVED");

    const refused = await call(s, `/api/v1/fleet/hosts/${linux}/mdm`, { method: "DELETE" });
    expect(refused.status).toBe(400);
    expect((await call(s, "/api/v1/fleet/hosts/999999/mdm", { method: "DELETE" })).status).toBe(404);
  });

  it("refetch makes a running agent's data fresh and is recorded; a stopped agent stays stale", async () => {
    const s = await start(200);
    const ids = s.model
      .hostIds()
      .filter((id) => s.model.get(id)?.platform === "darwin" && s.model.stateOf(id) === "HEALTHY");
    const [healthy, stopped] = ids;
    if (healthy === undefined || stopped === undefined) throw new Error("not enough healthy macs");
    s.model.setState(stopped, "AGENT_STOPPED", { since: new Date(s.clock.now() - 3 * DAY) });
    s.clock.advance(30 * 60_000);
    const now = new Date(s.clock.now()).toISOString().replace(".000Z", "Z");
    expect(s.model.get(healthy)?.detail_updated_at).not.toBe(now);

    for (const id of [healthy, stopped]) {
      const res = await call(s, `/api/v1/fleet/hosts/${id}/refetch`, { method: "POST" });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
    }
    const fresh = await getJson<{ host: FleetHostDetail }>(s, `/api/v1/fleet/hosts/${healthy}`);
    expect(fresh.host.detail_updated_at).toBe(now);
    expect(fresh.host.refetch_requested).toBe(false);
    const stale = await getJson<{ host: FleetHostDetail }>(s, `/api/v1/fleet/hosts/${stopped}`);
    expect(Date.parse(stale.host.detail_updated_at)).toBeLessThan(s.clock.now() - 2 * DAY);
    expect(stale.host.refetch_requested).toBe(true);
    expect(s.requests.hostIds("refetch")).toEqual([healthy, stopped]);
    expect(s.requests.count("refetch")).toBe(2);
    expect((await call(s, "/api/v1/fleet/hosts/999999/refetch", { method: "POST" })).status).toBe(404);
  });
});

describe("bad requests", () => {
  it("answers 400 with Fleet's messages for bad list parameters", async () => {
    const s = await start(20);
    const cases: [string, string][] = [
      ["page=abc", "non-int page value"],
      ["page=-1", "negative page value"],
      ["per_page=x", "non-int per_page value"],
      ["per_page=0", "invalid per_page value"],
      ["order_direction=desc", "order_key must be specified with order_direction"],
      ["after=10", "order_key must be specified with after"],
      ["order_key=id&order_direction=sideways", "unknown order_direction: sideways"],
      ["status=lost", "Invalid status: lost"],
      ["mdm_enrollment_status=maybe", "Invalid mdm_enrollment_status: maybe"],
      ["team_id=x", "Invalid team_id: x"],
      ["device_mapping=perhaps", "Invalid device_mapping: perhaps"],
    ];
    for (const [query, reason] of cases) {
      for (const path of ["/api/v1/fleet/hosts", "/api/v1/fleet/hosts/count"]) {
        if (path.endsWith("count") && query.startsWith("device_mapping")) continue;
        const res = await call(s, `${path}?${query}`);
        expect(res.status, `${path}?${query}`).toBe(400);
        expect(await res.json()).toEqual({ message: "Bad request", errors: [{ name: "base", reason }] });
      }
    }
  });

  it("answers 404 JSON for unknown routes and methods", async () => {
    const s = await start(20);
    for (const [method, path] of [
      ["GET", "/api/v1/fleet/nothing"],
      ["POST", "/api/v1/fleet/hosts"],
      ["GET", "/api/v1/fleet/hosts/abc"],
      ["GET", "/"],
    ] as const) {
      const res = await call(s, path, { method });
      expect(res.status).toBe(404);
      const body = (await res.json()) as FleetErrorBody;
      expect(body.message).toBe("Resource Not Found");
    }
    expect(s.requests.count("unknown")).toBe(4);
  });
});
