import { DATABASE_KINDS } from "@enrollwatch/db/testing";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlertEvaluator, OutboxWorker } from "../src/index.ts";
import { startSmtp } from "./SmtpTestServer.ts";
import { createSyncHarness, DAY_MS, type SyncHarness } from "./SyncHarness.ts";

const HOUR_MS = 3_600_000;

describe.each(DATABASE_KINDS)("alert rules on %s", (kind) => {
  let h: SyncHarness;
  let alerts: AlertEvaluator;
  beforeEach(async () => {
    h = await createSyncHarness(kind, 60);
    alerts = new AlertEvaluator({
      db: h.t.db,
      publisher: h.publisher,
      logger: pino({ level: "silent" }),
      links: {},
      dashboardUrl: () => "https://enrollwatch.example.com",
      intervalMs: 0,
      now: h.now,
    });
    expect(await alerts.seedDefaultRules()).toBe(4);
    for (const id of h.sim.model.hostIds()) h.sim.model.setState(id, "HEALTHY");
    await syncAndEvaluate();
  });
  afterEach(async () => {
    await h.close();
  });

  async function syncAndEvaluate() {
    const run = await h.runner.run();
    expect(run.state).toBe("SUCCEEDED");
    return alerts.evaluate();
  }
  const prisma = () => h.t.db.prisma;
  const deviceOf = (fleetHostId: number) => prisma().device.findUniqueOrThrow({ where: { fleetHostId } });
  /** A healthy host whose device has a known owner in Fleet. */
  async function ownedHost(): Promise<number> {
    const device = await prisma().device.findFirstOrThrow({ where: { ownerId: { not: null }, platform: "windows" } });
    return device.fleetHostId;
  }

  it("seeds the default rules once per database, and a healthy fleet opens nothing", async () => {
    expect(await alerts.seedDefaultRules()).toBe(0);
    await prisma().alertRule.deleteMany({ where: { name: "Agent inactive 1+ day" } });
    expect(await alerts.seedDefaultRules()).toBe(0);
    expect(await prisma().alertRule.count()).toBe(3);
    expect(await prisma().alert.count()).toBe(0);
  });

  it("opens an alert once the grace period is crossed (even between syncs), resolves it when the device is fixed, never twice", async () => {
    const host = await ownedHost();
    h.sim.model.setState(host, "OFFLINE");
    h.sim.clock.advance(8 * DAY_MS);
    await syncAndEvaluate();
    const device = await deviceOf(host);
    expect(device.status).toBe("OFFLINE");
    // OFFLINE now, but "Offline 7+ days" wants a week in that status.
    expect(await prisma().alert.count()).toBe(0);

    h.sim.clock.advance(7 * DAY_MS - HOUR_MS);
    expect((await syncAndEvaluate()).opened).toBe(0);

    // Crossed between two syncs: the next evaluation opens it without waiting for a sync.
    h.sim.clock.advance(2 * HOUR_MS);
    const crossing = await alerts.evaluate();
    expect(crossing.opened).toBe(1);
    const [alert] = await prisma().alert.findMany({ include: { rule: true } });
    expect(alert).toMatchObject({
      deviceId: device.id,
      state: "OPEN",
      severity: "HIGH",
      status: "OFFLINE",
      statusSince: device.statusSince,
      rule: { name: "Offline 7+ days" },
    });
    const signal = h.publisher.of("alerts").at(-1);
    expect(signal?.upToSeq).toBeDefined();

    // Re-syncs and re-evaluations change nothing.
    for (let i = 0; i < 2; i++) expect(await syncAndEvaluate()).toMatchObject({ opened: 0, resolved: 0 });
    expect(await prisma().alert.count()).toBe(1);

    h.sim.model.fix(host);
    h.sim.clock.advance(HOUR_MS);
    expect(await syncAndEvaluate()).toMatchObject({ opened: 0, resolved: 1 });
    expect(await prisma().alert.findUniqueOrThrow({ where: { id: alert?.id } })).toMatchObject({
      state: "RESOLVED",
      activeKey: null,
    });
    expect(await syncAndEvaluate()).toMatchObject({ opened: 0, resolved: 0 });
    const events = await prisma().alertEvent.findMany({ orderBy: { seq: "asc" } });
    expect(events.map((e) => e.kind)).toEqual(["OPENED", "RESOLVED"]);
    expect(events[1]?.seq).toBeGreaterThan(events[0]?.seq ?? 0n);
  });

  it("two evaluations at once (two instances) open each alert once", async () => {
    const host = await ownedHost();
    const rule = await prisma().alertRule.create({
      data: { name: "Any offline", severity: "LOW", statuses: ["OFFLINE"], gracePeriodHours: 0 },
    });
    h.sim.model.setState(host, "OFFLINE");
    h.sim.clock.advance(8 * DAY_MS);
    await h.runner.run();
    const other = new AlertEvaluator({
      db: h.t.db,
      publisher: h.publisher,
      logger: pino({ level: "silent" }),
      links: {},
      dashboardUrl: () => "https://x",
      now: h.now,
    });
    const results = await Promise.all([alerts.evaluate(), other.evaluate(), alerts.evaluate()]);
    expect(results.reduce((n, r) => n + r.opened, 0)).toBe(1);
    expect(await prisma().alert.count({ where: { ruleId: rule.id } })).toBe(1);
    expect(await prisma().alertEvent.count({ where: { kind: "OPENED" } })).toBe(1);
  });

  it("a snoozed alert opens again when its snooze runs out and the device still breaks the rule", async () => {
    const host = await ownedHost();
    await prisma().alertRule.create({
      data: { name: "Any offline", severity: "LOW", statuses: ["OFFLINE"], gracePeriodHours: 0 },
    });
    h.sim.model.setState(host, "OFFLINE");
    h.sim.clock.advance(8 * DAY_MS);
    await syncAndEvaluate();
    const alert = await prisma().alert.findFirstOrThrow({ where: { rule: { name: "Any offline" } } });
    await prisma().alert.update({
      where: { id: alert.id },
      data: { state: "SNOOZED", snoozedUntil: new Date(h.now().getTime() + DAY_MS) },
    });
    expect((await alerts.evaluate()).reopened).toBe(0);
    h.sim.clock.advance(DAY_MS + HOUR_MS);
    expect((await syncAndEvaluate()).reopened).toBe(1);
    expect(await prisma().alert.findUniqueOrThrow({ where: { id: alert.id } })).toMatchObject({
      state: "OPEN",
      snoozedUntil: null,
    });
  });

  it("e-mails the admins at once and reminds the owner once, through the outbox and a real SMTP server", async () => {
    const smtp = await startSmtp();
    const outbox = new OutboxWorker({
      prisma: prisma(),
      transport: smtp.transport,
      from: "Enrollwatch <ew@example.com>",
      logger: pino({ level: "silent" }),
      enrollmentPageUrl: () => "https://enrollwatch.example.com/enroll",
      now: h.now,
    });
    try {
      await prisma().alertRule.update({
        where: { name: "Offline 7+ days" },
        data: {
          adminNotification: "IMMEDIATE",
          adminEmails: ["it@example.com", "lead@example.com"],
          gracePeriodHours: 0,
        },
      });
      const host = await ownedHost();
      const device = await prisma().device.findUniqueOrThrow({
        where: { fleetHostId: host },
        include: { owner: true },
      });
      h.sim.model.setState(host, "OFFLINE");
      h.sim.clock.advance(8 * DAY_MS);
      const result = await syncAndEvaluate();
      expect(result).toMatchObject({ opened: 1, messages: 3 });
      expect(await outbox.deliverDue()).toMatchObject({ sent: 3, failed: 0 });

      const toOwner = smtp.received.filter((m) => m.to.includes(device.owner?.email ?? "?"));
      expect(toOwner).toHaveLength(1);
      expect(toOwner[0]?.raw).toContain(`Subject: Please enroll your`);
      const toAdmins = smtp.received.filter(
        (m) => m.to.includes("it@example.com") || m.to.includes("lead@example.com"),
      );
      expect(toAdmins).toHaveLength(2);
      const adminMail = (toAdmins[0]?.raw ?? "").replace(/=\r?\n/g, "");
      expect(adminMail).toContain("Offline 7+ days");
      expect(adminMail).toContain(device.name);
      expect(adminMail).toContain(`https://enrollwatch.example.com/devices/${device.id}`);

      const alert = await prisma().alert.findFirstOrThrow();
      expect(alert.employeeRemindedAt).not.toBeNull();
      expect(alert.adminNotifiedAt).not.toBeNull();
      expect(await prisma().auditEntry.count({ where: { action: "device.alertReminder", target: device.id } })).toBe(1);

      // Later syncs of the same open alert send nothing more.
      h.sim.clock.advance(DAY_MS);
      expect((await syncAndEvaluate()).messages).toBe(0);
      expect(await outbox.deliverDue()).toMatchObject({ sent: 0 });
    } finally {
      await smtp.close();
    }
  });

  it("daily digest: one e-mail for what opened, then nothing until a day has passed", async () => {
    await prisma().alertRule.updateMany({
      data: {
        adminNotification: "DAILY_DIGEST",
        adminEmails: ["it@example.com"],
        remindEmployee: false,
        gracePeriodHours: 0,
      },
    });
    const hosts = h.sim.model.hostIds().filter((id) => h.sim.model.profile(id)?.platform === "windows");
    const [first, second] = hosts;
    if (first === undefined || second === undefined) throw new Error("need two windows hosts");
    const eightDaysAgo = () => new Date(h.now().getTime() - 8 * DAY_MS);
    h.sim.model.setState(first, "OFFLINE", { since: eightDaysAgo() });
    expect((await syncAndEvaluate()).messages).toBe(1);
    const digest = await prisma().outboundMessage.findFirstOrThrow({ where: { kind: "ALERT_DIGEST" } });
    expect(digest).toMatchObject({ recipient: "it@example.com" });
    expect(digest.subject).toMatch(/Daily digest: 1 alert \(1 high\)/);

    // A second alert an hour later waits for the next digest.
    h.sim.clock.advance(HOUR_MS);
    h.sim.model.setState(second, "OFFLINE", { since: eightDaysAgo() });
    expect(await syncAndEvaluate()).toMatchObject({ opened: 1, messages: 0 });
    expect(await prisma().outboundMessage.count({ where: { kind: "ALERT_DIGEST" } })).toBe(1);

    // A day after the first digest, the next one carries only what is new.
    h.sim.clock.advance(DAY_MS);
    expect((await syncAndEvaluate()).messages).toBe(1);
    const digests = await prisma().outboundMessage.findMany({
      where: { kind: "ALERT_DIGEST" },
      orderBy: { createdAt: "asc" },
    });
    expect(digests).toHaveLength(2);
    const [firstName, secondName] = await Promise.all([first, second].map(async (id) => (await deviceOf(id)).name));
    expect(digests[1]?.body).toContain(secondName);
    expect(digests[1]?.body).not.toContain(firstName);
    // Nothing new to tell: no third digest, however long it waits.
    h.sim.clock.advance(3 * DAY_MS);
    expect((await syncAndEvaluate()).messages).toBe(0);
  });
});
