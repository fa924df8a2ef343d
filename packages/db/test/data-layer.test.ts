import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from "../src/testing.ts";

// The same suite runs on embedded PGlite and on the local PostgreSQL: the product promises that
// switching DATABASE_URL changes nothing else.
describe.each(DATABASE_KINDS)("data layer on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("creates every table of the domain and records the migration like Prisma", async () => {
    const conn = await t.db.connect();
    try {
      const tables = await conn.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      );
      expect(tables.map((r) => r.table_name)).toEqual([
        "Alert",
        "AlertEvent",
        "AlertRule",
        "ApiToken",
        "AuditEntry",
        "Device",
        "Employee",
        "EmployeeLink",
        "EmployeeSession",
        "OutboundMessage",
        "Settings",
        "StatusEvent",
        "SyncRun",
        "SyncStagedDevice",
        "Webhook",
        "WebhookDelivery",
        "_prisma_migrations",
      ]);
      const rows = await conn.query<{ migration_name: string; finished_at: Date | null; checksum: string }>(
        `SELECT migration_name, finished_at, checksum FROM "_prisma_migrations"`,
      );
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row.finished_at).not.toBeNull();
        expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      }
    } finally {
      await conn.release();
    }
  });

  it("applies nothing the second time", async () => {
    const result = await t.db.migrate();
    expect(result.applied).toEqual([]);
    expect(result.alreadyApplied).toBeGreaterThan(0);
  });

  it("stores a device with its owner, problems and raw Fleet times", async () => {
    const { prisma } = t.db;
    const seen = new Date("2026-11-20T10:00:00.000Z");
    const device = await prisma.device.create({
      data: {
        fleetHostId: 42,
        serial: "C02XK1ABCD12",
        name: "Alice's MacBook Pro",
        platform: "darwin",
        status: "AGENT_INACTIVE",
        statusSince: seen,
        seenTime: seen,
        mdmEnrollmentStatus: "On (automatic)",
        problems: [{ status: "AGENT_INACTIVE", causes: [{ code: "OSQUERYD_STOPPED", text: "osqueryd stopped" }] }],
        owner: { create: { email: "alice@example.com", name: "Alice" } },
      },
      include: { owner: true },
    });
    expect(device.owner?.email).toBe("alice@example.com");
    const found = await prisma.device.findUniqueOrThrow({ where: { fleetHostId: 42 } });
    expect(found.seenTime?.toISOString()).toBe(seen.toISOString());
    expect(found.problems).toEqual([
      { status: "AGENT_INACTIVE", causes: [{ code: "OSQUERYD_STOPPED", text: "osqueryd stopped" }] },
    ]);
    const bySerial = await prisma.device.findMany({ where: { serial: "C02XK1ABCD12", status: "AGENT_INACTIVE" } });
    expect(bySerial).toHaveLength(1);
  });

  it("numbers status events with a monotonic bigint seq", async () => {
    const { prisma } = t.db;
    const device = await prisma.device.findUniqueOrThrow({ where: { fleetHostId: 42 } });
    const created = [];
    for (const to of ["OFFLINE", "ENROLLED", "MDM_PROFILE_MISSING"] as const) {
      created.push(await prisma.statusEvent.create({ data: { deviceId: device.id, to, reasons: [] } }));
    }
    const seqs = created.map((e) => e.seq);
    expect(typeof seqs[0]).toBe("bigint");
    expect([...seqs].sort((a, b) => (a < b ? -1 : 1))).toEqual(seqs);
    expect(new Set(seqs).size).toBe(3);
  });

  it("keeps a single settings row with the documented defaults", async () => {
    const { prisma } = t.db;
    const settings = await prisma.settings.upsert({ where: { id: 1 }, create: {}, update: {} });
    expect(settings).toMatchObject({
      syncIntervalMinutes: 30,
      agentInactiveAfterHours: 24,
      offlineAfterDays: 7,
      autoUnenrollEnabled: false,
      autoUnenrollAfterDays: 30,
      autoUnenrollMaxPercent: 10,
      resendInvitationOnUnenroll: false,
      apnsCertificateExpiresAt: null,
    });
    await expect(prisma.settings.create({ data: { id: 1 } })).rejects.toThrow();
  });

  it("rolls back a failed transaction completely", async () => {
    const { prisma } = t.db;
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.employee.create({ data: { email: "bob@example.com" } });
        await tx.employee.create({ data: { email: "bob@example.com" } });
      }),
    ).rejects.toThrow();
    expect(await prisma.employee.count({ where: { email: "bob@example.com" } })).toBe(0);
  });

  it("stores the sync run's pending unenrolment list and token roles", async () => {
    const { prisma } = t.db;
    const run = await prisma.syncRun.create({ data: { pendingUnenrollDeviceIds: ["a", "b"], state: "FAILED" } });
    expect((await prisma.syncRun.findUniqueOrThrow({ where: { id: run.id } })).pendingUnenrollDeviceIds).toEqual([
      "a",
      "b",
    ]);
    const token = await prisma.apiToken.create({ data: { name: "ci", secretHash: "x".repeat(64), role: "VIEWER" } });
    expect(token.role).toBe("VIEWER");
  });
});
