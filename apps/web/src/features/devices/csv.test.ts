// @vitest-environment node
import { describe, expect, it, vi } from "vitest";
import { CSV_HEADER, collectCsv, csvField, devicesToCsv } from "./csv.ts";
import type { DeviceRow } from "./documents.ts";

const device = (over: Partial<DeviceRow> = {}): DeviceRow => ({
  id: "RGV2aWNlOjE=",
  name: "Alice's MacBook Pro",
  serial: "C02XYZ",
  platform: "darwin",
  osVersion: "macOS 15.1",
  team: "Engineering",
  status: "MDM_PROFILE_MISSING",
  statusSince: "2026-11-25T10:00:00.000Z",
  lastSeenAt: null,
  owner: { email: "alice@example.com", name: "Alice Martin" },
  ...over,
});

describe("CSV export formatting", () => {
  it("quotes fields with commas, quotes or line breaks (RFC 4180)", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
    expect(csvField(42)).toBe("42");
  });

  it("defuses values a spreadsheet would run as formulas", () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("-cmd")).toBe("'-cmd");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
  });

  it("writes a header and one CRLF line per device, empty cells for missing values", () => {
    const csv = devicesToCsv([device(), device({ name: "build, 93", owner: null, serial: null, team: null })]);
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe(
      "name,serial,owner_email,owner_name,platform,os_version,team,status,status_since,last_seen_at",
    );
    expect(lines[1]).toBe(
      "Alice's MacBook Pro,C02XYZ,alice@example.com,Alice Martin,darwin,macOS 15.1,Engineering,MDM_PROFILE_MISSING,2026-11-25T10:00:00.000Z,",
    );
    expect(lines[2]).toBe('"build, 93",,,,darwin,macOS 15.1,,MDM_PROFILE_MISSING,2026-11-25T10:00:00.000Z,');
    expect(lines[3]).toBe("");
    expect(lines).toHaveLength(4);
  });

  it("pages through the connection with the cursor until the last page", async () => {
    const pages = [
      { rows: [device({ name: "a" }), device({ name: "b" })], endCursor: "c1", hasNextPage: true, total: 3 },
      { rows: [device({ name: "c" })], endCursor: "c2", hasNextPage: false },
    ];
    const fetchPage = vi.fn(async (after: string | null, withTotal: boolean) => {
      const page = pages[after === null ? 0 : 1];
      if (!page) throw new Error("no page");
      expect(withTotal).toBe(after === null);
      return page;
    });
    const progress = vi.fn();
    const parts = await collectCsv(fetchPage, progress);
    expect(fetchPage.mock.calls.map((c) => c[0])).toEqual([null, "c1"]);
    expect(parts[0]).toBe("\uFEFF");
    expect(parts[1]).toBe(CSV_HEADER);
    expect(parts.slice(2).map((line) => line.split(",")[0])).toEqual(["a", "b", "c"]);
    expect(progress).toHaveBeenLastCalledWith({ rows: 3, total: 3 });
  });

  it("stops when cancelled", async () => {
    const controller = new AbortController();
    const fetchPage = vi.fn(async () => {
      controller.abort();
      return { rows: [device()], endCursor: "x", hasNextPage: true };
    });
    await expect(collectCsv(fetchPage, () => {}, controller.signal)).rejects.toThrow("Export cancelled");
    expect(fetchPage).toHaveBeenCalledOnce();
  });
});
