import { createHmac } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DATABASE_KINDS } from "@enrollwatch/db/testing";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { guardedLookup } from "../src/alerts/WebhookTarget.ts";
import {
  AlertEvaluator,
  checkWebhookTarget,
  postWebhook,
  refusedAddressRange,
  verifyWebhook,
  WebhookWorker,
} from "../src/index.ts";
import { createSyncHarness, DAY_MS, type SyncHarness } from "./SyncHarness.ts";

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}

/** A real HTTP receiver; `answer` decides each response (or never answers). */
async function startReceiver(answer: (n: number, req: Received) => number | "hang") {
  const received: Received[] = [];
  let connections = 0;
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      const got = { headers: req.headers, body };
      received.push(got);
      const status = answer(received.length, got);
      if (status === "hang") hanging.push(res);
      else res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : `nope ${status}`);
    });
  });
  server.on("connection", () => {
    connections++;
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/enrollwatch`,
    port,
    received,
    connections: () => connections,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What a receiver would write itself, from the documentation, without our helper. */
function expectedSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(DATABASE_KINDS)("webhooks on %s", (kind) => {
  let h: SyncHarness;
  let alerts: AlertEvaluator;
  let worker: WebhookWorker | undefined;
  beforeEach(async () => {
    h = await createSyncHarness(kind, 40);
    alerts = new AlertEvaluator({
      db: h.t.db,
      publisher: h.publisher,
      logger: pino({ level: "silent" }),
      links: {},
      dashboardUrl: () => "https://x",
      now: h.now,
    });
    await alerts.seedDefaultRules();
    for (const id of h.sim.model.hostIds()) h.sim.model.setState(id, "HEALTHY");
    await h.runner.run();
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await h.close();
  });

  /** Puts `count` windows hosts offline for long enough that "Offline 7+ days" opens alerts. */
  async function openOfflineAlerts(count: number): Promise<void> {
    const hosts = h.sim.model
      .hostIds()
      .filter((id) => h.sim.model.profile(id)?.platform === "windows")
      .slice(0, count);
    for (const id of hosts) h.sim.model.setState(id, "OFFLINE", { since: new Date(h.now().getTime() - 20 * DAY_MS) });
    await h.runner.run();
    // OFFLINE from this sync on; the rule wants a week in that status.
    h.sim.clock.advance(7 * DAY_MS + 60_000);
    await h.runner.run();
    expect((await alerts.evaluate()).opened).toBe(count);
  }

  it("signs each delivery; a receiver answering 500 twice then 200 sees three attempts and one is accepted", async () => {
    const receiver = await startReceiver((n) => (n <= 2 ? 500 : 200));
    const secret = "whsec_test-secret";
    const webhook = await h.t.db.prisma.webhook.create({
      data: { name: "ticketing", url: receiver.url, secret, events: ["OPENED", "RESOLVED"] },
    });
    worker = new WebhookWorker({
      db: h.t.db,
      logger: pino({ level: "silent" }),
      allowPrivate: true,
      retryBaseMs: 30,
      pollMs: 20,
    });
    worker.start();
    try {
      await openOfflineAlerts(1);
      worker.poke();
      await until(async () => (await h.t.db.prisma.webhookDelivery.count({ where: { state: "DELIVERED" } })) === 1);
      expect(receiver.received).toHaveLength(3);
      const ids = new Set(receiver.received.map((r) => r.headers["enrollwatch-webhook-id"]));
      expect(ids.size).toBe(1);
      for (const r of receiver.received) {
        const timestamp = String(r.headers["enrollwatch-webhook-timestamp"]);
        expect(r.headers["enrollwatch-signature"]).toBe(expectedSignature(secret, timestamp, r.body));
        expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
        expect(
          verifyWebhook(secret, { timestamp, signature: String(r.headers["enrollwatch-signature"]) }, r.body),
        ).toEqual({ ok: true });
        // A tampered body or the wrong secret fails; an old timestamp is a replay.
        expect(
          verifyWebhook(secret, { timestamp, signature: String(r.headers["enrollwatch-signature"]) }, `${r.body} `).ok,
        ).toBe(false);
        expect(
          verifyWebhook("other", { timestamp, signature: String(r.headers["enrollwatch-signature"]) }, r.body).ok,
        ).toBe(false);
        expect(
          verifyWebhook(secret, { timestamp, signature: String(r.headers["enrollwatch-signature"]) }, r.body, {
            nowSeconds: Number(timestamp) + 3600,
          }),
        ).toEqual({ ok: false, reason: "STALE" });
      }
      const body = JSON.parse(receiver.received[2]?.body ?? "{}");
      expect(body).toMatchObject({
        type: "alert.opened",
        data: { alert: { state: "OPEN", severity: "HIGH", status: "OFFLINE" }, rule: { name: "Offline 7+ days" } },
      });
      expect(body.id).toBe(receiver.received[0]?.headers["enrollwatch-webhook-id"]);
      const delivery = await h.t.db.prisma.webhookDelivery.findFirstOrThrow({ where: { webhookId: webhook.id } });
      expect(delivery).toMatchObject({
        state: "DELIVERED",
        attempts: 3,
        lastStatus: 200,
        lastResponse: "ok",
        lastError: null,
      });
    } finally {
      await receiver.close();
    }
  });

  it("gives up after the last attempt and keeps the receiver's last answer for the delivery log", async () => {
    const receiver = await startReceiver(() => 503);
    await h.t.db.prisma.webhook.create({
      data: { name: "broken", url: receiver.url, secret: "s", events: ["OPENED"] },
    });
    worker = new WebhookWorker({
      db: h.t.db,
      logger: pino({ level: "silent" }),
      allowPrivate: true,
      retryBaseMs: 10,
      maxAttempts: 3,
      pollMs: 20,
    });
    worker.start();
    try {
      await openOfflineAlerts(1);
      await until(async () => (await h.t.db.prisma.webhookDelivery.count({ where: { state: "FAILED" } })) === 1);
      const delivery = await h.t.db.prisma.webhookDelivery.findFirstOrThrow();
      expect(delivery).toMatchObject({
        attempts: 3,
        lastStatus: 503,
        lastResponse: "nope 503",
        lastError: "receiver answered 503",
      });
      // Failed for good: nothing more is sent.
      await new Promise((r) => setTimeout(r, 200));
      expect(receiver.received).toHaveLength(3);
    } finally {
      await receiver.close();
    }
  });

  it("a receiver that never answers holds up nobody: the other receiver gets every delivery", async () => {
    const fast = await startReceiver(() => 200);
    const dead = await startReceiver(() => "hang");
    for (const [name, url] of [
      ["fast", fast.url],
      ["dead", dead.url],
    ] as const) {
      await h.t.db.prisma.webhook.create({ data: { name, url, secret: "s", events: ["OPENED"] } });
    }
    worker = new WebhookWorker({
      db: h.t.db,
      logger: pino({ level: "silent" }),
      allowPrivate: true,
      timeoutMs: 5_000,
      concurrencyPerWebhook: 2,
      pollMs: 20,
    });
    worker.start();
    try {
      await openOfflineAlerts(6);
      worker.poke();
      const started = Date.now();
      await until(async () => fast.received.length === 6, 4_000);
      // Well before the dead receiver's first timeout: its deliveries waited in their own lane.
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(dead.received.length).toBeLessThanOrEqual(2);
      const pendingDead = await h.t.db.prisma.webhookDelivery.count({
        where: { webhook: { name: "dead" }, state: "PENDING" },
      });
      expect(pendingDead).toBe(6);
    } finally {
      await fast.close();
      await dead.close();
    }
  });
});

describe("webhook targets", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["10.0.0.7", "private"],
    ["172.16.5.4", "private"],
    ["192.168.1.10", "private"],
    ["169.254.169.254", "linkLocal"],
    ["100.64.0.1", "carrierGradeNat"],
    ["0.0.0.0", "unspecified"],
    ["::1", "loopback"],
    ["fe80::1", "linkLocal"],
    ["fd12:3456::1", "uniqueLocal"],
    ["::ffff:10.0.0.1", "private"],
    ["224.0.0.1", "multicast"],
  ])("refuses %s (%s)", (address, range) => {
    expect(refusedAddressRange(address)).toBe(range);
  });

  it.each(["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])("allows the public address %s", (address) => {
    expect(refusedAddressRange(address)).toBeNull();
  });

  it.each([
    ["ftp://example.com/x", "url must use http or https"],
    ["not a url", "url must be an absolute http(s) URL"],
    ["http://user:pw@example.com/", "must not carry a user name or password"],
    ["http://10.1.2.3/hook", "private address (10.1.2.3)"],
    ["http://[::1]:8080/hook", "loopback address (::1)"],
    ["http://169.254.169.254/latest/meta-data", "linkLocal address"],
    ["http://localhost:3000/", "localhost (loopback)"],
  ])("refuses the URL %s with a clear message", async (url, message) => {
    const checked = await checkWebhookTarget(url, false);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.message).toContain(message);
  });

  it("a receiver that closes the connection or hangs is a failed attempt with its reason, not a crash", async () => {
    const rude = createServer((req) => req.socket.destroy());
    rude.listen(0, "127.0.0.1");
    await once(rude, "listening");
    const hanging = await startReceiver(() => "hang");
    try {
      const url = `http://127.0.0.1:${(rude.address() as AddressInfo).port}/`;
      const closed = await postWebhook(
        { id: "d1", url, secret: "s", body: "{}" },
        { allowPrivate: true, timeoutMs: 2_000 },
      );
      expect(closed).toMatchObject({ ok: false, status: null });
      expect(closed.error).toMatch(/ECONNRESET|socket hang up/);
      const started = Date.now();
      const slow = await postWebhook(
        { id: "d2", url: hanging.url, secret: "s", body: "{}" },
        { allowPrivate: true, timeoutMs: 300 },
      );
      expect(slow).toMatchObject({ ok: false, status: null, error: "no answer within 300 ms" });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      rude.closeAllConnections();
      rude.close();
      await hanging.close();
    }
  });

  it("refuses a loopback target before any connection is attempted, at delivery time too", async () => {
    const receiver = await startReceiver(() => 200);
    try {
      const outcome = await postWebhook(
        { id: "d1", url: receiver.url, secret: "s", body: "{}" },
        { allowPrivate: false, timeoutMs: 1_000 },
      );
      expect(outcome).toMatchObject({ ok: false, status: null });
      expect(outcome.error).toContain("loopback address (127.0.0.1)");
      // A name that resolves to loopback is refused inside the connection's own DNS lookup.
      const byName = await new Promise<Error | null>((resolve) =>
        guardedLookup("localhost", {}, (error) => resolve(error)),
      );
      expect(byName?.message).toMatch(/localhost resolves to a loopback address/);
      expect(receiver.connections()).toBe(0);
      expect(receiver.received).toHaveLength(0);
      // Allowed by configuration (WEBHOOK_ALLOW_PRIVATE), the same target is reached.
      const allowed = await postWebhook(
        { id: "d2", url: receiver.url, secret: "s", body: "{}" },
        { allowPrivate: true, timeoutMs: 1_000 },
      );
      expect(allowed).toMatchObject({ ok: true, status: 200 });
    } finally {
      await receiver.close();
    }
  });
});
