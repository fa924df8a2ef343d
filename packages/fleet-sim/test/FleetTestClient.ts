import type { FleetHost, FleetSim } from "../src/index.ts";

/** Fixed virtual start for every test: results must not depend on the day the suite runs. */
export const START = new Date("2026-01-01T00:00:00Z");
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** Calls the simulator over real HTTP with the right token. */
export function call(sim: FleetSim, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${sim.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${sim.token}`, ...(init.headers as Record<string, string> | undefined) },
  });
}

export async function getJson<T>(sim: FleetSim, path: string): Promise<T> {
  const res = await call(sim, path);
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Pages with page=N until an empty page, as a naive Fleet client does. */
export async function listByPage(sim: FleetSim, perPage: number, extra = ""): Promise<FleetHost[]> {
  const hosts: FleetHost[] = [];
  for (let page = 0; page < 100_000; page++) {
    const body = await getJson<{ hosts: FleetHost[] }>(
      sim,
      `/api/v1/fleet/hosts?page=${page}&per_page=${perPage}&order_key=id${extra}`,
    );
    if (body.hosts.length === 0) return hosts;
    hosts.push(...body.hosts);
  }
  throw new Error("paging never ended");
}

/** Pages with the `after` cursor on id, the way that survives concurrent changes. */
export async function listByCursor(sim: FleetSim, perPage: number, extra = ""): Promise<FleetHost[]> {
  const hosts: FleetHost[] = [];
  let after = 0;
  for (let i = 0; i < 100_000; i++) {
    const body = await getJson<{ hosts: FleetHost[] }>(
      sim,
      `/api/v1/fleet/hosts?per_page=${perPage}&order_key=id&order_direction=asc&after=${after}${extra}`,
    );
    const last = body.hosts[body.hosts.length - 1];
    if (!last) return hosts;
    hosts.push(...body.hosts);
    after = last.id;
  }
  throw new Error("paging never ended");
}
