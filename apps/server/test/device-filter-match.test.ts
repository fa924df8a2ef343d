import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from "../../../packages/db/src/testing.ts";
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
  return { name, serial: null, owner: null, status: "ENROLLED", platform: "darwin" };
}
