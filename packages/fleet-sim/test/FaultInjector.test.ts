import { afterEach, describe, expect, it } from "vitest";
import { type FleetErrorBody, type FleetHost, type FleetSim, startFleetSim } from "../src/index.ts";
import { call, getJson, listByCursor, listByPage, START } from "./FleetTestClient.ts";

let sim: FleetSim | undefined;

async function start(hosts = 40, seed = 1): Promise<FleetSim> {
  sim = await startFleetSim({ hosts, seed, startTime: START, manualClock: true });
  return sim;
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const LIST = "/api/v1/fleet/hosts?page=0&per_page=10&order_key=id";

describe("fault injection", () => {
  it("status faults: Fleet JSON for 500, proxy HTML for 502/503, then normal service", async () => {
    const s = await start();
    s.faults.add({ kind: "status", status: 500, route: "list" });
    const r500 = await call(s, LIST);
    expect(r500.status).toBe(500);
    expect(((await r500.json()) as FleetErrorBody).message).toBe("Internal Server Error");

    s.faults.add({ kind: "status", status: 502 });
    const r502 = await call(s, "/api/v1/fleet/hosts/count");
    expect(r502.status).toBe(502);
    expect(r502.headers.get("content-type")).toMatch(/text\/html/);
    const html = await r502.text();
    expect(() => JSON.parse(html)).toThrow();

    expect((await call(s, LIST)).status).toBe(200);
    expect(s.faults.active()).toEqual([]);
  });

  it("times and afterRequests select which matching requests fail", async () => {
    const s = await start();
    const fault = s.faults.add({ kind: "status", status: 503, route: "count", times: 2, afterRequests: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await call(s, "/api/v1/fleet/hosts/count")).status);
      // Other routes neither trigger nor consume the fault.
      expect((await call(s, LIST)).status).toBe(200);
    }
    expect(statuses).toEqual([200, 503, 503, 200]);
    expect(fault.id).toBeGreaterThan(0);
    expect(s.faults.active()).toEqual([]);
    expect(s.requests.records("count").map((r) => r.fault)).toEqual([null, "status", "status", null]);
  });

  it("rateLimit answers 429 with Retry-After and a Fleet error body", async () => {
    const s = await start();
    s.faults.add({ kind: "rateLimit", retryAfterSeconds: 7, route: "detail" });
    const id = s.model.hostIds()[0];
    const res = await call(s, `/api/v1/fleet/hosts/${id}`);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    const body = (await res.json()) as FleetErrorBody;
    expect(body.message).toMatch(/retry after: 7s/);
    expect(body.errors[0]?.name).toBe("base");
    expect((await call(s, `/api/v1/fleet/hosts/${id}`)).status).toBe(200);
  });

  it("timeout holds the response until the client gives up, or answers late", async () => {
    const s = await start();
    s.faults.add({ kind: "timeout", ms: 20_000, route: "list" });
    const t0 = performance.now();
    await expect(
      fetch(`${s.url}${LIST}`, { headers: { authorization: `Bearer ${s.token}` }, signal: AbortSignal.timeout(300) }),
    ).rejects.toThrow(/timeout|aborted/i);
    expect(performance.now() - t0).toBeLessThan(3000);

    s.faults.add({ kind: "timeout", ms: 400, route: "count" });
    const t1 = performance.now();
    const late = await call(s, "/api/v1/fleet/hosts/count");
    expect(performance.now() - t1).toBeGreaterThanOrEqual(380);
    expect(await late.json()).toEqual({ count: 40 });

    // A response still held when the simulator closes must not keep it open.
    s.faults.add({ kind: "timeout", ms: 60_000 });
    const pending = call(s, LIST).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const t2 = performance.now();
    await s.close();
    sim = undefined;
    expect(performance.now() - t2).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });

  it("malformedJson answers 200 with a body JSON.parse rejects", async () => {
    const s = await start();
    s.faults.add({ kind: "malformedJson", route: "list" });
    const res = await call(s, LIST);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const text = await res.text();
    expect(text.startsWith('{"hosts":[')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });

  it("badShape answers valid JSON with ids missing or of the wrong type", async () => {
    const s = await start();
    s.faults.add({ kind: "badShape", route: "any", times: 3 });
    const list = (await (await call(s, LIST)).json()) as { hosts: Record<string, unknown>[] };
    expect(list.hosts).toHaveLength(10);
    expect(list.hosts[0]).not.toHaveProperty("id");
    expect(typeof list.hosts[1]?.id).toBe("string");
    const count = (await (await call(s, "/api/v1/fleet/hosts/count")).json()) as { count: unknown };
    expect(typeof count.count).toBe("string");
    const id = s.model.hostIds()[0];
    const detail = (await (await call(s, `/api/v1/fleet/hosts/${id}`)).json()) as { host: Record<string, unknown> };
    expect(typeof detail.host.id).toBe("string");
  });

  it("truncate announces the full length, sends half and drops the connection", async () => {
    const s = await start();
    s.faults.add({ kind: "truncate", route: "list" });
    const res = await call(s, LIST);
    expect(res.status).toBe(200);
    const announced = Number(res.headers.get("content-length"));
    expect(announced).toBeGreaterThan(1000);
    await expect(res.text()).rejects.toThrow();
    // The next request gets a new connection and a whole body.
    expect((await getJson<{ hosts: FleetHost[] }>(s, LIST)).hosts).toHaveLength(10);
  });

  it("changeDuringPaging breaks offset paging but not after-cursor paging", async () => {
    const seed = 4;
    const offsetSim = await start(100, seed);
    const originalIds = offsetSim.model.hostIds();
    offsetSim.faults.add({ kind: "changeDuringPaging", afterRequests: 1 });
    const byOffset = (await listByPage(offsetSim, 10)).map((h) => h.id);
    await offsetSim.close();

    const cursorSim = await start(100, seed);
    cursorSim.faults.add({ kind: "changeDuringPaging", afterRequests: 1 });
    const byCursor = (await listByCursor(cursorSim, 10)).map((h) => h.id);
    const finalIds = cursorSim.model.hostIds();

    const inserted = finalIds.filter((id) => !originalIds.includes(id));
    const deleted = originalIds.filter((id) => !finalIds.includes(id));
    expect(inserted).toHaveLength(1);
    expect(deleted).toHaveLength(1);
    expect(inserted[0]).toBeLessThan(originalIds[10] ?? 0);

    // Offset paging repeats a host it had already seen.
    expect(new Set(byOffset).size).toBeLessThan(byOffset.length);
    // Cursor paging sees every surviving host exactly once, in order.
    expect(new Set(byCursor).size).toBe(byCursor.length);
    expect(byCursor).toEqual(originalIds.filter((id) => id !== deleted[0]));
  });

  it("counts requests per route so tests can see what a client did", async () => {
    const s = await start();
    const ids = s.model.hostIds().slice(0, 3);
    for (const id of ids) await call(s, `/api/v1/fleet/hosts/${id}`);
    await call(s, LIST);
    expect(s.requests.count("detail")).toBe(3);
    expect(s.requests.count("list")).toBe(1);
    expect(s.requests.count()).toBe(4);
    expect(s.requests.hostIds("detail")).toEqual(ids);
    expect(s.requests.records("detail").every((r) => r.status === 200)).toBe(true);
    s.requests.clear();
    expect(s.requests.count()).toBe(0);
  });

  it("rejects faults it cannot apply", async () => {
    const s = await start();
    expect(() => s.faults.add({ kind: "status", status: 404 as 500 })).toThrow(RangeError);
    expect(() => s.faults.add({ kind: "timeout", ms: 10, times: 0 })).toThrow(RangeError);
  });
});
