import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeDeviceCursor, encodeDeviceCursor } from "../src/graphql/schema/DeviceCursor.ts";
import { DEVICE_ORDER_NAMES, DEVICE_ORDERS, keysetAfter } from "../src/graphql/schema/DeviceOrder.ts";
import { gql, SyncNow, startTestServer, type TestServer } from "./testkit.ts";

describe("keysetAfter", () => {
  const key = { id: "00000000-0000-4000-8000-000000000007", value: "Mac-07" };
  it.each([
    // order, backward → the column's bound, the strict comparison, the id tie-break
    ["NAME_ASC", false, "gte", "gt", "gt"],
    ["NAME_ASC", true, "lte", "lt", "lt"],
    ["NAME_DESC", false, "lte", "lt", "lt"],
    ["NAME_DESC", true, "gte", "gt", "gt"],
  ] as const)("%s, backward %s: name %s v and (name %s v or id %s cursor)", (order, backward, bound, strict, tie) => {
    expect(keysetAfter(DEVICE_ORDERS[order], key, backward)).toEqual({
      AND: [{ name: { [bound]: "Mac-07" } }, { OR: [{ name: { [strict]: "Mac-07" } }, { id: { [tie]: key.id } }] }],
    });
  });

  it("places NULL serials last ascending: past a value come greater values, then every NULL", () => {
    expect(keysetAfter(DEVICE_ORDERS.SERIAL_ASC, { id: key.id, value: "C02" }, false)).toEqual({
      OR: [
        { AND: [{ serial: { gte: "C02" } }, { OR: [{ serial: { gt: "C02" } }, { id: { gt: key.id } }] }] },
        { serial: { equals: null } },
      ],
    });
    // Past a NULL, only NULLs with a greater id; before it, every value and the NULLs with a smaller id.
    expect(keysetAfter(DEVICE_ORDERS.SERIAL_ASC, { id: key.id, value: null }, false)).toEqual({
      AND: [{ serial: { equals: null } }, { id: { gt: key.id } }],
    });
    expect(keysetAfter(DEVICE_ORDERS.SERIAL_ASC, { id: key.id, value: null }, true)).toEqual({
      OR: [{ serial: { not: null } }, { AND: [{ serial: { equals: null } }, { id: { lt: key.id } }] }],
    });
  });

  it("compares dates as dates", () => {
    const since = new Date("2026-11-30T10:00:00.000Z");
    expect(keysetAfter(DEVICE_ORDERS.STATUS_SINCE_DESC, { id: key.id, value: since }, false)).toEqual({
      AND: [{ statusSince: { lte: since } }, { OR: [{ statusSince: { lt: since } }, { id: { lt: key.id } }] }],
    });
  });
});

describe("device cursors", () => {
  const id = "00000000-0000-4000-8000-000000000007";
  it("hold the position they name, in their order's column, dates and NULLs included", () => {
    const since = new Date("2026-11-30T10:00:00.000Z");
    const row = { id, name: "Mac-07", statusSince: since, serial: null, platform: "darwin" };
    for (const order of Object.values(DEVICE_ORDERS)) {
      expect(decodeDeviceCursor(order, encodeDeviceCursor(order, row))).toEqual({ id, value: row[order.column] });
    }
  });

  it("refuse a cursor of another order, a value of the wrong kind, and anything not a cursor", () => {
    const byName = encodeDeviceCursor(DEVICE_ORDERS.NAME_ASC, { id, name: "Mac-07" });
    expect(() => decodeDeviceCursor(DEVICE_ORDERS.STATUS_SINCE_ASC, byName)).toThrow(/another order/);
    const badDate = encodeDeviceCursor(DEVICE_ORDERS.STATUS_SINCE_ASC, { id, statusSince: "yesterday" });
    expect(() => decodeDeviceCursor(DEVICE_ORDERS.STATUS_SINCE_ASC, badDate)).toThrow(/Invalid cursor/);
    const nullName = encodeDeviceCursor(DEVICE_ORDERS.NAME_ASC, { id, name: null });
    expect(() => decodeDeviceCursor(DEVICE_ORDERS.NAME_ASC, nullName)).toThrow(/Invalid cursor/);
    for (const junk of ["", "not-a-cursor", Buffer.from("DC1:[1,2").toString("base64url")]) {
      expect(() => decodeDeviceCursor(DEVICE_ORDERS.NAME_ASC, junk)).toThrow(/Invalid cursor/);
    }
  });
});

type Edge = { cursor: string; node: { id: string } };
type Page = {
  devices: { edges: Edge[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean } };
};
type PageArgs = {
  orderBy: string;
  filter?: { search?: string; status?: string[] } | null;
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
};
const Devices = gql<
  Page,
  PageArgs
>(`query Paging($orderBy: DeviceOrderBy, $filter: DeviceFilter, $first: Int, $after: String, $last: Int, $before: String) {
  devices(orderBy: $orderBy, filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    pageInfo { hasNextPage hasPreviousPage }
    edges { cursor node { id } }
  }
}`);

const Searched = gql<
  {
    devices: {
      totalCount: number;
      edges: { node: { id: string; serial: string | null; name: string; owner: { email: string } | null } }[];
    };
  },
  { search: string | null }
>(`query Searched($search: String) {
  devices(first: 500, filter: { search: $search }) {
    totalCount
    edges { node { id serial name owner { email } } }
  }
}`);

const HOSTS = 60;
const PAGE = 7;

describe.each(["pglite", "postgres"] as const)("paging devices by cursor on %s", (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, hosts: HOSTS });
    await server.request(SyncNow);
    // Ties in every sort column, and serials missing, so that pages break inside a run of equal
    // values: the id must order them, and no device may be skipped or repeated at a page edge.
    const prisma = server.app.db.prisma;
    const ids = (await prisma.device.findMany({ select: { id: true }, orderBy: { fleetHostId: "asc" } })).map(
      (d) => d.id,
    );
    await prisma.device.updateMany({ where: { id: { in: ids.slice(0, 12) } }, data: { name: "Shared name" } });
    await prisma.device.updateMany({
      where: { id: { in: ids.slice(8, 30) } },
      data: { statusSince: new Date("2026-11-30T10:00:00.000Z") },
    });
    await prisma.device.updateMany({ where: { id: { in: ids.slice(20, 26) } }, data: { serial: null } });
    // LIKE's wildcards and escape character, literally in one name (see the search test).
    const literal = ids[40];
    if (literal === undefined) throw new Error("expected 60 devices");
    await prisma.device.update({ where: { id: literal }, data: { name: "build_93 at 100% \\ lab" } });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  async function everyDevice(orderBy: string, filter: PageArgs["filter"]): Promise<string[]> {
    const all = await server.request(Devices, { orderBy, filter, first: 500 });
    return all.devices.edges.map((e) => e.node.id);
  }

  it("after a sync the planner knows the devices it wrote (PGlite runs no autovacuum to tell it)", async () => {
    const [row] = await server.app.db.withConnection((conn) =>
      conn.query<{ reltuples: number }>(
        `SELECT reltuples FROM pg_class WHERE relname = 'Device' AND relnamespace = current_schema()::regnamespace`,
      ),
    );
    expect(Number(row?.reltuples)).toBe(HOSTS);
  });

  it("search matches a substring of the serial, the name or the owner's e-mail, whatever the case, and counts them", async () => {
    const all = await server.request(Searched, { search: null });
    const owned = all.devices.edges.map((e) => e.node).filter((d) => d.owner !== null && d.serial !== null);
    const sample = owned[3];
    expect(sample).toBeDefined();
    if (!sample?.owner || !sample.serial) return;
    const probes = [
      sample.owner.email.slice(0, sample.owner.email.indexOf("@")).toUpperCase(),
      sample.serial.slice(2, 9).toLowerCase(),
      sample.name.slice(1, 6).toUpperCase(),
      "no-such-device-anywhere",
      // LIKE's wildcards and escape are literal characters to the admin typing them.
      "%",
      "_",
      "\\",
      "'s mac",
    ];
    for (const search of probes) {
      const needle = search.toLowerCase();
      const expected = all.devices.edges
        .map((e) => e.node)
        .filter((d) => [d.serial, d.name, d.owner?.email].some((v) => v?.toLowerCase().includes(needle)))
        .map((d) => d.id);
      const found = await server.request(Searched, { search });
      expect(
        found.devices.edges.map((e) => e.node.id),
        search,
      ).toEqual(expected);
      expect(found.devices.totalCount, search).toBe(expected.length);
      // As wildcards they would match every device; literally, only the one named with them.
      if (["%", "_", "\\"].includes(search)) expect(expected, search).toHaveLength(1);
    }
  });

  // Between two pages, the device at the cursor changes (a status change moves its statusSince to
  // now and takes it out of a status list; a rename moves it in the name order): the next page
  // still starts where the first one ended.
  it.each([
    { orderBy: "STATUS_SINCE_DESC", filter: null, change: "its status changed" },
    { orderBy: "STATUS_SINCE_ASC", filter: "its own status", change: "it left the list" },
    { orderBy: "NAME_ASC", filter: null, change: "it was renamed" },
  ] as const)(
    "the next page after $orderBy starts where the last ended when $change",
    async ({ orderBy, filter, change }) => {
      const prisma = server.app.db.prisma;
      const dbId = (relayId: string) =>
        Buffer.from(relayId, "base64")
          .toString("utf8")
          .replace(/^Device:/, "");
      const status =
        filter === null ? null : (await prisma.device.findFirstOrThrow({ where: { status: "ENROLLED" } })).status;
      const args = { orderBy, filter: status ? { status: [status] } : null } as const;
      const before = await everyDevice(orderBy, args.filter);
      const first = await server.request(Devices, { ...args, first: 5 });
      const last = first.devices.edges.at(-1);
      if (!last) throw new Error("no devices");
      const changed = dbId(last.node.id);
      const original = await prisma.device.findUniqueOrThrow({ where: { id: changed } });
      try {
        await prisma.device.update({
          where: { id: changed },
          data:
            change === "it was renamed"
              ? { name: "zzz renamed" }
              : change === "it left the list"
                ? { status: "OFFLINE", statusSince: new Date() }
                : { statusSince: new Date(Date.now() + 60_000) },
        });
        const next = await server.request(Devices, { ...args, first: 5, after: last.cursor });
        expect(next.devices.edges.map((e) => e.node.id)).toEqual(before.slice(5, 10));
        expect(next.devices.pageInfo.hasPreviousPage).toBe(true);
      } finally {
        await prisma.device.update({
          where: { id: changed },
          data: { name: original.name, status: original.status, statusSince: original.statusSince },
        });
      }
    },
  );

  it("refuses a cursor made for another order, with a clear error", async () => {
    const byName = await server.request(Devices, { orderBy: "NAME_ASC", first: 2 });
    const { status, body } = await server.raw(Devices, {
      orderBy: "STATUS_SINCE_ASC",
      first: 2,
      after: byName.devices.edges[0]?.cursor ?? null,
    });
    expect(status).toBe(200);
    expect(body.errors?.[0]?.message).toMatch(/Invalid cursor: it is a position in another order/);
  });

  for (const orderBy of DEVICE_ORDER_NAMES) {
    for (const filter of [null, { search: "a" }]) {
      const label = `${orderBy}${filter ? `, filtered by search "${filter.search}"` : ""}`;

      it(`forward pages of ${PAGE}, ${label}, list every device once, in order`, async () => {
        const expected = await everyDevice(orderBy, filter);
        if (filter === null) expect(expected).toHaveLength(HOSTS);
        const seen: string[] = [];
        let after: string | null = null;
        for (let pages = 0; pages < 50; pages++) {
          const page: Page = await server.request(Devices, { orderBy, filter, first: PAGE, after });
          seen.push(...page.devices.edges.map((e) => e.node.id));
          expect(page.devices.pageInfo.hasPreviousPage).toBe(after !== null);
          if (!page.devices.pageInfo.hasNextPage) break;
          after = page.devices.edges.at(-1)?.cursor ?? null;
        }
        expect(seen).toEqual(expected);
      });

      it(`backward pages of ${PAGE}, ${label}, list every device once, in order`, async () => {
        const expected = await everyDevice(orderBy, filter);
        const pages: string[][] = [];
        let before: string | null = null;
        for (let n = 0; n < 50; n++) {
          const page: Page = await server.request(Devices, { orderBy, filter, last: PAGE, before });
          pages.unshift(page.devices.edges.map((e) => e.node.id));
          if (!page.devices.pageInfo.hasPreviousPage) break;
          before = page.devices.edges[0]?.cursor ?? null;
        }
        expect(pages.flat()).toEqual(expected);
      });
    }
  }
});
