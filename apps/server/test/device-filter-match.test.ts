import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from "../../../packages/db/src/testing.ts";
import { installDatabase, uninstallDatabase } from "../src/db.ts";
import { type DeviceFilter, deviceWhere } from "../src/graphql/schema/DeviceWhere.ts";
import { matchesDeviceFilter } from "../src/live/DeviceFilterMatch.ts";

// A live subscription filters events in memory, the devices query in SQL (ILIKE): they must agree
// on what a search matches, or a subscriber misses a device the query lists.
const NAMES = ["İlker's MacBook Pro", "ΣΟΦΟΣ-LAPTOP", "ÉCOLE-PC-12", "straße-mac", "build_93 100%", "Zoë's iPad"];
const SEARCHES = [
  "ilker",
  "İLKER",
  "σοφοσ",
  "ΣΟΦΟΣ",
  "école",
  "É",
  "STRASSE",
  "straße",
  "_93",
  "100%",
  "zoë",
  "ZOË",
  "%",
];

describe.each(DATABASE_KINDS)("the live search filter agrees with the database's on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it.each(SEARCHES)("search %j", async (search) => {
    const escaped = search.replace(/[\\%_]/g, "\\$&");
    const inDatabase = await t.db.withConnection((conn) =>
      conn.query<{ name: string }>("SELECT name FROM unnest($1::text[]) AS name WHERE name ILIKE '%' || $2 || '%'", [
        NAMES,
        escaped,
      ]),
    );
    const live = NAMES.filter((name) => matchesDeviceFilter(device(name), { search }));
    expect(live).toEqual(inDatabase.map((r) => r.name));
  });
});

function device(name: string): Parameters<typeof matchesDeviceFilter>[0] {
  return { name, serial: null, owner: null, status: "ENROLLED", platform: "darwin", teamName: null };
}

// The same agreement for the whole filter: the devices query's condition (deviceWhere) and the live
// filter select the same devices, teams included ("no team" is a null item).
const FILTERS: DeviceFilter[] = [
  { team: ["Engineering"] },
  { team: [null] },
  { team: ["Engineering", null] },
  { team: ["Workstations", "Engineering"] },
  { team: ["No such team"] },
  { team: ["Engineering"], search: "mac" },
  { team: [null], status: ["OFFLINE"] },
  { team: ["Workstations"], platform: ["windows"], search: "s2" },
  { search: "ada@" },
  { status: ["ENROLLED", "OFFLINE"], platform: ["darwin"] },
];

describe.each(DATABASE_KINDS)("the live filter selects what the devices query does on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
    installDatabase(t.db);
    const ada = await t.db.prisma.employee.create({ data: { email: "ada@example.com" } });
    const teams = ["Engineering", "Workstations", null];
    const platforms = ["darwin", "windows"];
    const statuses = ["ENROLLED", "OFFLINE", "AGENT_INACTIVE"] as const;
    await t.db.prisma.device.createMany({
      data: Array.from({ length: 18 }, (_, i) => ({
        fleetHostId: i + 1,
        name: `${i % 2 ? "MacBook" : "Desktop"} ${i}`,
        serial: `S${i}`,
        platform: platforms[i % 2] ?? "darwin",
        teamName: teams[i % 3] ?? null,
        // Not i % 3 like the team: every status occurs in every team.
        status: statuses[Math.floor(i / 3) % 3] ?? "ENROLLED",
        statusSince: new Date(),
        ownerId: i % 4 === 0 ? ada.id : null,
      })),
    });
  });
  afterAll(async () => {
    uninstallDatabase(t.db);
    await t?.dispose();
  });

  it.each(FILTERS)("filter %j", async (filter) => {
    const all = await t.db.prisma.device.findMany({ include: { owner: true }, orderBy: { fleetHostId: "asc" } });
    const inDatabase = await t.db.prisma.device.findMany({
      where: await deviceWhere(filter),
      orderBy: { fleetHostId: "asc" },
    });
    const live = all.filter((d) => matchesDeviceFilter(d, filter));
    expect(live.map((d) => d.fleetHostId)).toEqual(inDatabase.map((d) => d.fleetHostId));
  });

  it("selects some devices and not others with a team filter (the table is not trivial)", async () => {
    const engineering = await t.db.prisma.device.count({ where: await deviceWhere({ team: ["Engineering"] }) });
    const none = await t.db.prisma.device.count({ where: await deviceWhere({ team: [null] }) });
    expect([engineering, none]).toEqual([6, 6]);
  });
});
