import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql, SyncNow, startTestServer, type TestServer } from "./testkit.ts";

interface Entry {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  targetDevice: { id: string; name: string } | null;
}

interface AuditFilter {
  action?: string[];
  actor?: string;
  target?: string;
  since?: string;
  until?: string;
}

interface AuditLogPage {
  auditLog: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { node: Entry }[];
  };
}

const AuditLog = gql<
  AuditLogPage,
  { first?: number; after?: string | null; filter?: AuditFilter | null }
>(`query AuditLog($first: Int, $after: String, $filter: AuditFilter) {
  auditLog(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id at actor action target targetDevice { id name } } }
  }
}`);

const AuditActions = gql<{ auditActions: string[] }>("{ auditActions }");

const Devices = gql<{ devices: { edges: { node: { id: string; name: string } }[] } }>(
  "{ devices(first: 5) { edges { node { id name } } } }",
);

const Unenroll = gql<{ unenrollDevice: { __typename: string } }, { id: string }>(
  "mutation($id: ID!) { unenrollDevice(deviceId: $id) { __typename } }",
);

/** Newest first; entries at the same instant by id, descending. */
function newestFirst(a: { at: Date; id: string }, b: { at: Date; id: string }): number {
  return b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

describe.each(["pglite", "postgres"] as const)("the audit log on %s", (database) => {
  let server: TestServer;
  let device: { id: string; name: string };
  const T0 = Date.parse("2026-11-02T09:00:00.000Z");

  beforeAll(async () => {
    server = await startTestServer({ database, hosts: 20 });
    await server.request(SyncNow);
    const first = (await server.request(Devices)).devices.edges[0]?.node;
    if (!first) throw new Error("no device");
    device = first;
    // A real admin action (audited by the mutation itself) ...
    expect((await server.request(Unenroll, { id: device.id })).unenrollDevice.__typename).toMatch(/Success/);
    // ... and a month of other entries, several at the same instant, so pages break inside a tie.
    const rows = Array.from({ length: 45 }, (_, i) => ({
      actor: i % 3 === 0 ? "employee:ada_lovelace@example.com" : i % 3 === 1 ? "ops token" : "adalovelace",
      action: i % 3 === 0 ? "employee.visit" : i % 2 === 0 ? "settings.update" : "apiToken.create",
      target: i % 3 === 0 ? null : `target-${i % 5}`,
      at: new Date(T0 + Math.floor(i / 4) * 3_600_000),
    }));
    // An alert's reminder, written by the rules with the device's database id as its target.
    const deviceDbId = Buffer.from(device.id, "base64")
      .toString("utf8")
      .replace(/^Device:/, "");
    rows.push({ actor: "alert-rules", action: "device.alertReminder", target: deviceDbId, at: new Date(T0) });
    await server.app.db.prisma.auditEntry.createMany({ data: rows });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  async function everyPage(filter: AuditFilter | null, first: number): Promise<{ ids: string[]; totals: number[] }> {
    const ids: string[] = [];
    const totals: number[] = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const { auditLog }: AuditLogPage = await server.request(AuditLog, { first, after, filter });
      ids.push(...auditLog.edges.map((e) => e.node.id));
      totals.push(auditLog.totalCount);
      if (!auditLog.pageInfo.hasNextPage) break;
      after = auditLog.pageInfo.endCursor;
    }
    return { ids, totals };
  }

  it("pages through every entry once, newest first, past any page size", async () => {
    const stored = await server.app.db.prisma.auditEntry.findMany();
    expect(stored.length).toBeGreaterThan(45);
    const expected = stored.sort(newestFirst).map((e) => e.id);
    const { ids, totals } = await everyPage(null, 7);
    expect(ids).toEqual(expected);
    expect(new Set(totals)).toEqual(new Set([stored.length]));
  });

  it("filters by action, actor (a literal substring, any case), target and time, and counts what it matches", async () => {
    const stored = (await server.app.db.prisma.auditEntry.findMany()).sort(newestFirst);
    const cases: { filter: AuditFilter; expected: typeof stored }[] = [
      {
        filter: { action: ["settings.update", "employee.visit"] },
        expected: stored.filter((e) => e.action === "settings.update" || e.action === "employee.visit"),
      },
      // `_` is the character, not LIKE's any-character: "adalovelace" must not match.
      { filter: { actor: "ADA_LOVE" }, expected: stored.filter((e) => e.actor.includes("ada_love")) },
      { filter: { target: "target-2" }, expected: stored.filter((e) => e.target === "target-2") },
      {
        filter: { since: new Date(T0 + 3_600_000).toISOString(), until: new Date(T0 + 3 * 3_600_000).toISOString() },
        expected: stored.filter((e) => e.at.getTime() >= T0 + 3_600_000 && e.at.getTime() < T0 + 3 * 3_600_000),
      },
      {
        filter: { action: ["apiToken.create"], actor: "ops", target: "target-1" },
        expected: stored.filter(
          (e) => e.action === "apiToken.create" && e.actor === "ops token" && e.target === "target-1",
        ),
      },
      { filter: { actor: "nobody-at-all" }, expected: [] },
    ];
    for (const { filter, expected } of cases) {
      const { ids, totals } = await everyPage(filter, 4);
      expect(ids, JSON.stringify(filter)).toEqual(expected.map((e) => e.id));
      expect(totals[0], JSON.stringify(filter)).toBe(expected.length);
    }
    expect(cases.slice(0, 5).every((c) => c.expected.length > 0)).toBe(true);
  });

  it("finds a device's entries by its global id and links them to the device", async () => {
    const { auditLog } = await server.request(AuditLog, { filter: { target: device.id } });
    expect(auditLog.edges.map((e) => e.node.action)).toEqual(["device.unenroll", "device.alertReminder"]);
    expect(auditLog.edges.map((e) => e.node.targetDevice)).toEqual([device, device]);
    // Entries whose target is not a device link to none.
    const other = await server.request(AuditLog, { filter: { action: ["settings.update"] }, first: 3 });
    expect(other.auditLog.edges.map((e) => e.node.targetDevice)).toEqual([null, null, null]);
  });

  it("lists the actions it holds, for a filter's choices", async () => {
    const stored = await server.app.db.prisma.auditEntry.findMany({ select: { action: true } });
    const distinct = [...new Set(stored.map((e) => e.action))].sort();
    expect(distinct).toEqual(expect.arrayContaining(["apiToken.create", "device.unenroll", "employee.visit"]));
    expect((await server.request(AuditActions)).auditActions).toEqual(distinct);
  });

  it("refuses a cursor it did not make, with a clear error", async () => {
    const { status, body } = await server.raw(AuditLog, { after: "not-a-cursor" });
    expect(status).toBe(200);
    expect(body.errors?.[0]?.message).toMatch(/cursor/i);
  });
});
