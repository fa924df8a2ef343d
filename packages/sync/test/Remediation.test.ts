import { DATABASE_KINDS } from "@enrollwatch/db/testing";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OutboxWorker, updateSettings } from "../src/index.ts";
import { startSmtp } from "./SmtpTestServer.ts";
import { createSyncHarness, DAY_MS, type SyncHarness } from "./SyncHarness.ts";

describe.each(DATABASE_KINDS)("remediation policies on %s", (kind) => {
  let h: SyncHarness;
  beforeEach(async () => {
    h = await createSyncHarness(kind, 100);
  });
  afterEach(async () => {
    await h.close();
  });

  const enableAutoUnenroll = (patch: Record<string, unknown> = {}) =>
    updateSettings(
      h.t.db.prisma,
      { autoUnenrollEnabled: true, autoUnenrollAfterDays: 30, autoUnenrollMaxPercent: 10, ...patch },
      "test-admin",
      h.publisher,
    );

  /** Puts `count` healthy hosts offline and moves the clock past the auto-unenrolment delay. */
  async function offlineFor40Days(count: number): Promise<number[]> {
    for (const id of h.sim.model.hostIds()) h.sim.model.setState(id, "HEALTHY");
    await h.runner.run();
    const ids = h.sim.model.hostIds().slice(0, count);
    for (const id of ids) h.sim.model.setState(id, "OFFLINE");
    h.sim.clock.advance(40 * DAY_MS);
    return ids;
  }

  it("purges devices offline past the delay, within the safety share, and invites their owners", async () => {
    expect(await enableAutoUnenroll({ resendInvitationOnUnenroll: true })).toMatchObject({ ok: true });
    const ids = await offlineFor40Days(5);
    const run = await h.runner.run();
    expect(run.error).toBeNull();
    expect(run).toMatchObject({ state: "SUCCEEDED", unenrolled: 5, pendingUnenroll: 0 });
    for (const id of ids) {
      expect(h.sim.model.isPurged(id)).toBe(true);
      const d = await h.t.db.prisma.device.findUniqueOrThrow({ where: { fleetHostId: id } });
      expect(d).toMatchObject({ status: "UNENROLLED", purgedBy: "AUTO_UNENROLLMENT" });
    }
    const invitations = await h.t.db.prisma.outboundMessage.findMany({ where: { kind: "ENROLLMENT_INVITATION" } });
    const owned = await h.t.db.prisma.device.count({
      where: { fleetHostId: { in: ids }, ownerId: { not: null } },
    });
    expect(invitations).toHaveLength(owned);
    expect(await h.t.db.prisma.auditEntry.count({ where: { action: "device.unenroll" } })).toBe(5);

    // The purged hosts are gone from Fleet; the next sync keeps them UNENROLLED, not missing-and-forgotten.
    const next = await h.runner.run();
    expect(next.state).toBe("SUCCEEDED");
    const still = await h.t.db.prisma.device.count({ where: { fleetHostId: { in: ids }, status: "UNENROLLED" } });
    expect(still).toBe(5);
  });

  it("holds back a purge over the safety share until an admin confirms", async () => {
    await enableAutoUnenroll();
    const ids = await offlineFor40Days(20);
    const run = await h.runner.run();
    expect(run).toMatchObject({ state: "AWAITING_CONFIRMATION", unenrolled: 0, pendingUnenroll: 20 });
    expect(run.error).toMatch(/20 devices exceed 10% of the fleet \(100\)/);
    for (const id of ids) expect(h.sim.model.isPurged(id)).toBe(false);
    expect(await h.t.db.prisma.device.count({ where: { status: "UNENROLLED" } })).toBe(0);

    // One comes back before the admin confirms: it must not be purged.
    const [back] = ids;
    if (back === undefined) throw new Error("no ids");
    h.sim.model.fix(back);
    const later = await h.runner.run();
    expect(later.state).toBe("AWAITING_CONFIRMATION");

    const confirmed = await h.unenrollment.confirmPending(run.id, "admin@example.com");
    expect(confirmed).toMatchObject({ ok: true, outcome: { unenrolled: 19, skipped: 1 } });
    expect(h.sim.model.isPurged(back)).toBe(false);
    expect(await h.unenrollment.confirmPending(run.id, "admin@example.com")).toMatchObject({
      ok: false,
      reason: "NOTHING_TO_CONFIRM",
    });
    expect(await h.unenrollment.confirmPending("00000000-0000-4000-8000-000000000000", "x")).toMatchObject({
      ok: false,
      reason: "SYNC_RUN_NOT_FOUND",
    });
  });

  it("does nothing when auto-unenrolment is off", async () => {
    const ids = await offlineFor40Days(3);
    const run = await h.runner.run();
    expect(run).toMatchObject({ state: "SUCCEEDED", unenrolled: 0 });
    for (const id of ids) expect(h.sim.model.isPurged(id)).toBe(false);
  });

  it("rejects invalid settings and changes nothing", async () => {
    const result = await updateSettings(
      h.t.db.prisma,
      { offlineAfterDays: 40, autoUnenrollAfterDays: 30 },
      "test-admin",
      h.publisher,
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          field: "autoUnenrollAfterDays",
          message: "autoUnenrollAfterDays must be greater than offlineAfterDays (40 days)",
        },
      ],
    });
    const row = await h.t.db.prisma.settings.findUniqueOrThrow({ where: { id: 1 } });
    expect(row.offlineAfterDays).toBe(7);
    expect(await h.t.db.prisma.auditEntry.count()).toBe(0);
    expect(h.publisher.of("settings")).toEqual([]);
  });

  it("delivers invitations through a real SMTP server, retrying a temporary failure", async () => {
    const smtp = await startSmtp({ rejectFirst: 1 });
    try {
      await enableAutoUnenroll({ resendInvitationOnUnenroll: true });
      const ids = await offlineFor40Days(3);
      await h.runner.run();
      // Outbox rows are stamped by the database clock, so the worker runs on real time here.
      let clock = Date.now();
      const worker = new OutboxWorker({
        prisma: h.t.db.prisma,
        transport: smtp.transport,
        from: "it@example.com",
        logger: pino({ level: "silent" }),
        retryBaseMs: 1000,
        now: () => new Date(clock),
      });
      const first = await worker.deliverDue();
      const queued = await h.t.db.prisma.outboundMessage.findMany({ include: { device: true } });
      expect(queued.length).toBeGreaterThan(0);
      expect(first).toMatchObject({ sent: queued.length - 1, retrying: 1 });
      clock += 2000;
      expect(await worker.deliverDue()).toMatchObject({ sent: 1, retrying: 0 });
      expect(smtp.received).toHaveLength(queued.length);
      for (const message of queued) {
        const mail = smtp.received.find((m) => m.to.includes(message.recipient));
        expect(mail?.raw).toContain("Subject: Please enroll your");
        // Plain text and HTML alternatives.
        expect(mail?.raw).toContain("Content-Type: text/plain");
        expect(mail?.raw).toContain("Content-Type: text/html");
        expect(mail?.raw).toContain(message.device?.name.slice(0, 10));
        expect(ids).toContain(message.device?.fleetHostId);
      }
      const states = await h.t.db.prisma.outboundMessage.findMany({ select: { state: true, attempts: true } });
      expect(states.every((s) => s.state === "SENT")).toBe(true);
      expect(states.map((s) => s.attempts).sort()).toEqual([...Array(queued.length - 1).fill(1), 2]);
    } finally {
      await smtp.close();
    }
  });

  it("without SMTP the messages stay in the outbox, marked unsent", async () => {
    await enableAutoUnenroll({ resendInvitationOnUnenroll: true });
    await offlineFor40Days(2);
    await h.runner.run();
    const worker = new OutboxWorker({
      prisma: h.t.db.prisma,
      transport: null,
      from: "it@example.com",
      logger: pino({ level: "silent" }),
    });
    const report = await worker.deliverDue();
    const messages = await h.t.db.prisma.outboundMessage.findMany();
    expect(report.unsent).toBe(messages.length);
    expect(messages.every((m) => m.state === "UNSENT" && m.lastError?.includes("SMTP_URL"))).toBe(true);
  });
});
