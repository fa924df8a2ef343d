import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGzip } from "node:zlib";
import { type FleetSim, startFleetSim } from "@enrollwatch/fleet-sim";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FleetHostRecord, toHostRecord } from "../src/fleet/FleetHostRecord.ts";
import type { FleetListHost } from "../src/fleet/FleetSchemas.ts";
import { HostDetailQueue } from "../src/fleet/HostDetailQueue.ts";
import { FleetClient, type FleetClientOptions, FleetFetchError } from "../src/index.ts";

let sim: FleetSim;
beforeEach(async () => {
  sim = await startFleetSim({ hosts: 250, seed: 7, manualClock: true, startTime: new Date("2026-06-01T00:00:00Z") });
});
afterEach(async () => {
  await sim.close();
});

function client(options: Partial<FleetClientOptions> = {}) {
  return new FleetClient({ baseUrl: sim.url, token: sim.token, perPage: 100, retryBaseMs: 5, ...options });
}

/** Pages through the fleet as the sync does: list pages, details beside them for the hosts picked. */
async function fetchRecords(c: FleetClient, needsDetails: (host: FleetListHost) => boolean = () => false) {
  const records: FleetHostRecord[] = [];
  const listed: number[] = [];
  const queue = new HostDetailQueue(c, (r) => records.push(r));
  try {
    for await (const hosts of c.listHostPages()) {
      for (const host of hosts) {
        listed.push(host.id);
        if (needsDetails(host)) queue.push(host);
        else records.push(toHostRecord(host));
      }
    }
    await queue.drain();
  } finally {
    queue.abort();
  }
  return { records, listed };
}

async function fetchAll(c: FleetClient, needsDetails?: (host: FleetListHost) => boolean) {
  return (await fetchRecords(c, needsDetails)).records.map((r) => r.fleetHostId);
}

describe("FleetClient against the simulator", () => {
  it("pages through every host exactly once, in id order, with owners and parsed times", async () => {
    const { records } = await fetchRecords(client());
    expect(records.map((r) => r.fleetHostId)).toEqual([...sim.model.hostIds()].sort((a, b) => a - b));
    const withOwner = records.filter((r) => r.ownerEmail !== null);
    expect(withOwner.length).toBeGreaterThan(records.length / 2);
    expect(withOwner[0]?.ownerEmail).toMatch(/@/);
    const abandoned = records.find((r) => sim.model.stateOf(r.fleetHostId) === "ENROLLMENT_ABANDONED");
    if (abandoned?.snapshot.platform !== "ios" && abandoned?.snapshot.platform !== "ipados") {
      // Fleet's zero time means "never": the client turns it into null, not year 1.
      expect(abandoned?.snapshot.detailUpdatedAt ?? null).toBeNull();
    }
    expect(sim.requests.count("detail")).toBe(0);
  });

  it("fetches details only for the hosts that need them", async () => {
    const { records } = await fetchRecords(client(), (h) => h.platform === "darwin");
    const darwinIds = records.filter((r) => r.snapshot.platform === "darwin").map((r) => r.fleetHostId);
    expect(sim.requests.count("detail")).toBe(darwinIds.length);
    const detailed = records.filter((r) => r.detailed);
    expect(detailed.map((r) => r.fleetHostId)).toEqual(darwinIds);
    expect(detailed.some((r) => r.snapshot.lastMdmEnrolledAt !== null)).toBe(true);
  });

  it("retries 5xx with backoff and succeeds", async () => {
    sim.faults.add({ kind: "status", status: 503, route: "list", times: 2 });
    const ids = await fetchAll(client());
    expect(ids).toHaveLength(250);
    expect(sim.requests.count("list")).toBe(3 + 2);
  });

  it("gives up on persistent 5xx with a clear error", async () => {
    sim.faults.add({ kind: "status", status: 502, route: "list", times: 100 });
    const error = await fetchAll(client({ maxRetries: 2 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetFetchError);
    expect((error as FleetFetchError).message).toBe(
      "Fleet failed GET /api/v1/fleet/hosts with HTTP 502. (gave up after 3 attempts)",
    );
  });

  it("honours Retry-After on 429", async () => {
    sim.faults.add({ kind: "rateLimit", retryAfterSeconds: 1, route: "list", times: 1 });
    const started = Date.now();
    const ids = await fetchAll(client());
    expect(ids).toHaveLength(250);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("refuses a Retry-After longer than it is willing to wait", async () => {
    sim.faults.add({ kind: "rateLimit", retryAfterSeconds: 3600, route: "list", times: 1 });
    await expect(fetchAll(client({ maxRetryAfterMs: 10_000 }))).rejects.toThrow(/rate-limited .* for 3600 s/);
  });

  it("retries a request that times out", async () => {
    sim.faults.add({ kind: "timeout", ms: 5_000, route: "list", times: 1 });
    const ids = await fetchAll(client({ requestTimeoutMs: 300 }));
    expect(ids).toHaveLength(250);
  });

  it("reports a timeout that persists", async () => {
    sim.faults.add({ kind: "timeout", ms: 5_000, route: "list", times: 10 });
    const error = await fetchAll(client({ requestTimeoutMs: 200, maxRetries: 1 })).catch((e: unknown) => e);
    expect((error as FleetFetchError).kind).toBe("timeout");
    expect((error as Error).message).toMatch(/did not answer GET \/api\/v1\/fleet\/hosts within 200 ms/);
  });

  it("retries a truncated response", async () => {
    sim.faults.add({ kind: "truncate", route: "list", times: 1 });
    expect(await fetchAll(client())).toHaveLength(250);
  });

  it("fails the whole fetch on a body that is not JSON", async () => {
    sim.faults.add({ kind: "malformedJson", route: "list", times: 1, afterRequests: 1 });
    const error = await fetchAll(client()).catch((e: unknown) => e);
    expect((error as FleetFetchError).kind).toBe("malformed");
    expect((error as Error).message).toBe("Fleet sent a response that is not JSON for GET /api/v1/fleet/hosts.");
  });

  it("fails the whole fetch on JSON of the wrong shape", async () => {
    sim.faults.add({ kind: "badShape", route: "list", times: 1 });
    const error = await fetchAll(client()).catch((e: unknown) => e);
    expect((error as FleetFetchError).kind).toBe("malformed");
    expect((error as Error).message).toMatch(/^Fleet sent an unexpected response for GET \/api\/v1\/fleet\/hosts \(/);
  });

  it("fails the whole fetch on a timestamp that is not a real date, naming the field", async () => {
    sim.faults.add({ kind: "badTime", route: "list", times: 1, afterRequests: 1 });
    const error = await fetchAll(client()).catch((e: unknown) => e);
    expect((error as FleetFetchError).kind).toBe("malformed");
    expect((error as Error).message).toBe(
      'Fleet sent an unexpected response for GET /api/v1/fleet/hosts (hosts.99.seen_time: Fleet returned an unreadable timestamp: "2026-02-30T10:00:00Z" (expected RFC 3339, e.g. 2025-06-02T08:09:41Z)).',
    );
    sim.faults.add({ kind: "badTime", route: "detail", times: 1 });
    await expect(fetchAll(client(), (h) => h.platform === "darwin")).rejects.toThrow(
      /^Fleet sent an unexpected response for GET \/api\/v1\/fleet\/hosts\/\d+ \(host\.seen_time: /,
    );
  });

  it("fails on a malformed host detail", async () => {
    sim.faults.add({ kind: "badShape", route: "detail", times: 1 });
    await expect(fetchAll(client(), (h) => h.platform === "darwin")).rejects.toThrow(/hosts\/\d+ \(/);
  });

  it("stays exact when the fleet changes while paging", async () => {
    sim.faults.add({ kind: "changeDuringPaging", route: "list", times: 1 });
    const ids = await fetchAll(client());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    // Every host present before and after the change is seen (the inserted low id may be missed).
    const now = new Set(sim.model.hostIds());
    for (const id of ids) expect(now.has(id) || !sim.model.has(id)).toBe(true);
  });

  it("refuses a wrong token without retrying", async () => {
    const error = await fetchAll(client({ token: "wrong" })).catch((e: unknown) => e);
    expect((error as FleetFetchError).kind).toBe("auth");
    expect((error as Error).message).toBe(
      "Fleet refused the API token (401) for GET /api/v1/fleet/hosts: check FLEET_API_TOKEN.",
    );
    expect(sim.requests.count("list")).toBe(1);
  });

  it("reports an unreachable Fleet", async () => {
    const url = sim.url;
    await sim.close();
    sim = await startFleetSim({ hosts: 10 });
    const error = await fetchAll(new FleetClient({ baseUrl: url, token: "t", maxRetries: 1, retryBaseMs: 1 })).catch(
      (e: unknown) => e,
    );
    expect((error as FleetFetchError).kind).toBe("network");
  });

  it("deletes and refetches hosts", async () => {
    const [id] = sim.model.hostIds();
    if (id === undefined) throw new Error("empty fleet");
    const c = client();
    await c.refetchHost(id);
    await c.deleteHost(id);
    expect(sim.model.isPurged(id)).toBe(true);
    await expect(c.getHost(id)).rejects.toMatchObject({ kind: "not_found" });
  });
});

describe("HostDetailQueue", () => {
  it("hands over every picked host once, detailed, while the list keeps paging", async () => {
    const { records, listed } = await fetchRecords(client(), (h) => h.platform === "darwin");
    expect(records.map((r) => r.fleetHostId).sort((a, b) => a - b)).toEqual(listed);
    const detailed = records.filter((r) => r.detailed);
    expect(detailed.length).toBeGreaterThan(0);
    expect(detailed.every((r) => r.snapshot.platform === "darwin")).toBe(true);
    expect(sim.requests.count("detail")).toBe(detailed.length);
  });

  it("fails the whole fetch on a detail request that keeps failing, and stops asking", async () => {
    sim.faults.add({ kind: "status", status: 500, route: "detail", times: Number.POSITIVE_INFINITY });
    const error = await fetchRecords(client({ maxRetries: 1 }), (h) => h.platform === "darwin").catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FleetFetchError);
    expect((error as FleetFetchError).message).toMatch(/^Fleet failed GET \/api\/v1\/fleet\/hosts\/\d+ with HTTP 500/);
    // Requests already handed to the HTTP stack may still land; nothing new starts after the failure.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const askedFor = new Set(sim.requests.records("detail").map((r) => r.hostId));
    const darwinHosts = [...sim.model.hostIds()].filter((id) => sim.model.profile(id)?.platform === "darwin");
    expect(darwinHosts.length).toBeGreaterThan(20);
    expect(askedFor.size).toBeLessThanOrEqual(client().detailRequestsInFlight);
  });
});

/** Passes a request a front received on to the simulator; `respond` writes the simulator's answer back. */
function forwardToSim(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  respond: (answer: http.IncomingMessage) => void,
): void {
  const target = new URL(sim.url);
  const forward = http.request(
    { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
    respond,
  );
  forward.on("error", () => res.destroy());
  req.pipe(forward);
}

describe("FleetClient over https", () => {
  let dir: string;
  let cert: string;
  let key: string;
  let proxy: https.Server | undefined;
  /** TCP connections the front accepted: each attempt opens one. */
  let handshakes = 0;
  beforeAll(async () => {
    // A self-signed certificate for localhost (openssl is on every machine this runs on).
    dir = await mkdtemp(join(tmpdir(), "fleet-tls-"));
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"],
        ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
      ],
      { stdio: "ignore" },
    );
    cert = await readFile(join(dir, "cert.pem"), "utf8");
    key = await readFile(join(dir, "key.pem"), "utf8");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    // An https front for the simulator.
    handshakes = 0;
    const server = https.createServer({ key, cert }, (req, res) =>
      forwardToSim(req, res, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      }),
    );
    server.on("connection", () => handshakes++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    proxy = server;
  });
  afterEach(async () => {
    const server = proxy;
    proxy = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const httpsUrl = () => {
    const address = proxy?.address() as AddressInfo | undefined;
    return `https://localhost:${address?.port}`;
  };

  it("pages through a Fleet behind a private CA it was told to trust", async () => {
    const c = client({ baseUrl: httpsUrl(), ca: cert });
    try {
      const ids = await fetchAll(c, (h) => h.platform === "darwin");
      expect(ids).toHaveLength(250);
      expect(new Set(ids).size).toBe(250);
    } finally {
      c.close();
    }
  });

  it("refuses a certificate it does not trust, at once: asking again gets the same certificate", async () => {
    const error = await fetchAll(client({ baseUrl: httpsUrl(), maxRetries: 3 })).catch((e: unknown) => e);
    expect((error as FleetFetchError).kind).toBe("network");
    expect((error as Error).message).toMatch(
      /^Fleet's TLS certificate was refused for GET \/api\/v1\/fleet\/hosts: self-signed certificate/,
    );
    expect(handshakes).toBe(1);
  });
});

describe("FleetClient against a misbehaving front", () => {
  let front: http.Server;
  let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  beforeEach(async () => {
    front = http.createServer((req, res) => answer(req, res));
    await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  });
  afterEach(async () => {
    front.closeAllConnections();
    await new Promise((resolve) => front.close(resolve));
  });
  const frontUrl = () => `http://127.0.0.1:${(front.address() as AddressInfo).port}`;

  it("does not follow a redirect (nor send the token on), and says which URL to set", async () => {
    let requests = 0;
    answer = (_req, res) => {
      requests++;
      res.writeHead(301, { location: "https://fleet.example.com/api/v1/fleet/hosts" }).end();
    };
    const error = await fetchAll(client({ baseUrl: frontUrl() })).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "Fleet redirected GET /api/v1/fleet/hosts (HTTP 301) to https://fleet.example.com/api/v1/fleet/hosts: set FLEET_URL to the address Fleet answers on.",
    );
    expect(requests).toBe(1);
  });

  it("reports a gzip body that does not inflate as a malformed response, without retrying", async () => {
    let requests = 0;
    answer = (_req, res) => {
      requests++;
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" }).end("not gzip at all");
    };
    const error = await fetchAll(client({ baseUrl: frontUrl() })).catch((e: unknown) => e);
    expect((error as FleetFetchError).kind).toBe("malformed");
    expect((error as Error).message).toMatch(
      /^Fleet sent a response that cannot be read for GET \/api\/v1\/fleet\/hosts: its gzip body does not inflate/,
    );
    expect(requests).toBe(1);
  });
});

describe("FleetClient against a Fleet that compresses its responses", () => {
  let front: http.Server;
  const acceptEncodings: (string | undefined)[] = [];
  let gzippedBytes = 0;
  beforeEach(async () => {
    acceptEncodings.length = 0;
    gzippedBytes = 0;
    // Fleet's `server.gzip_responses`: gzip for a client whose Accept-Encoding names it.
    front = http.createServer((req, res) => {
      acceptEncodings.push(req.headers["accept-encoding"]);
      forwardToSim(req, res, (answer) => {
        const gzip = (req.headers["accept-encoding"] ?? "").includes("gzip");
        const { "content-length": _length, ...headers } = answer.headers;
        res.writeHead(answer.statusCode ?? 502, gzip ? { ...headers, "content-encoding": "gzip" } : answer.headers);
        if (!gzip) {
          answer.pipe(res);
          return;
        }
        const compressed = createGzip();
        compressed.on("data", (chunk: Buffer) => {
          gzippedBytes += chunk.length;
        });
        answer.pipe(compressed).pipe(res);
      });
    });
    await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  });
  afterEach(async () => {
    front.closeAllConnections();
    await new Promise((resolve) => front.close(resolve));
  });

  it("asks for gzip and reads the compressed pages and details as the plain ones", async () => {
    const c = client({ baseUrl: `http://127.0.0.1:${(front.address() as AddressInfo).port}` });
    const compressed = await fetchRecords(c, (h) => h.platform === "darwin");
    const plain = await fetchRecords(client(), (h) => h.platform === "darwin");
    expect(acceptEncodings.length).toBeGreaterThan(3);
    expect(acceptEncodings.every((e) => e === "gzip")).toBe(true);
    expect(gzippedBytes).toBeGreaterThan(0);
    const byId = (records: FleetHostRecord[]) => [...records].sort((a, b) => a.fleetHostId - b.fleetHostId);
    expect(byId(compressed.records)).toEqual(byId(plain.records));
    c.close();
  });
});
