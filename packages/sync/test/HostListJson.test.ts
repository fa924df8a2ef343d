import { afterEach, describe, expect, it, vi } from "vitest";
import { parseHostListJson } from "../src/fleet/HostListJson.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);
const reference = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));

/**
 * Hosts in Fleet's shape; `mappings` device_mapping entries each (their `},{"` are not between
 * hosts), and `labels` objects that start with `id` like a host (so cuts can fall inside a host).
 */
function hosts(count: number, mappings = 1, name = (i: number) => `host-${i}`, labels = 0) {
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    ...(labels > 0 ? { labels: Array.from({ length: labels }, (_, l) => ({ id: l, name: `label ${l}` })) } : {}),
    hostname: name(i),
    platform: i % 3 === 0 ? "darwin" : "windows",
    seen_time: "2026-06-01T11:59:51Z",
    mdm: i % 3 === 0 ? { enrollment_status: "On (automatic)", name: "Fleet" } : null,
    device_mapping: Array.from({ length: mappings }, (_, m) => ({ email: `u${i}.${m}@example.com`, source: "idp" })),
  }));
}

const page = (list: unknown[]) => utf8(JSON.stringify({ hosts: list }));

afterEach(() => vi.restoreAllMocks());

describe("parseHostListJson", () => {
  it.each([
    ["a page of 1,000 hosts", page(hosts(1000))],
    ["hosts with several device mappings each", page(hosts(600, 3))],
    ["hosts holding objects that start like a host (cuts inside a host)", page(hosts(600, 1, undefined, 3))],
    [
      "hosts whose first key is not id",
      utf8(JSON.stringify({ hosts: hosts(600).map(({ id, ...h }) => ({ ...h, id })) })),
    ],
    [
      "names holding the bytes between two hosts",
      page(hosts(800, 1, (i) => (i % 7 === 0 ? `x},{` : i % 5 === 0 ? `},{"id":${i}` : `h${i}`))),
    ],
    ["accented and non-BMP names", page(hosts(700, 1, (i) => `Zoë-Müller-${i}-💻`))],
    ["a trailing new line, as Go's encoder writes", utf8(`${JSON.stringify({ hosts: hosts(500) })}\n`)],
    ["a key after the hosts", utf8(JSON.stringify({ hosts: hosts(500), next: [{ a: 1 }] }))],
    ["a key before the hosts", utf8(JSON.stringify({ count: 500, hosts: hosts(500) }))],
    ["a short page", page(hosts(3))],
    ["an empty page", page([])],
  ])("parses %s to exactly what JSON.parse gives", (_label, bytes) => {
    expect(parseHostListJson(bytes)).toEqual(reference(bytes));
  });

  it.each([
    ["one device mapping", 1],
    ["three device mappings", 3],
  ])(
    "parses a large page of hosts with %s a few hosts at a time, never as one page-sized string",
    (_label, mappings) => {
      const bytes = page(hosts(1000, mappings));
      expect(bytes.length).toBeGreaterThan(150_000);
      const parse = vi.spyOn(JSON, "parse");
      const parsed = parseHostListJson(bytes) as { hosts: unknown[] };
      expect(parsed.hosts).toHaveLength(1000);
      const longest = Math.max(...parse.mock.calls.map(([text]) => String(text).length));
      expect(longest).toBeLessThan(40_000);
      // Every cut was right the first time: no piece was parsed twice.
      const parsedBytes = parse.mock.calls.reduce((n, [text]) => n + String(text).length, 0);
      expect(parsedBytes).toBeLessThan(bytes.length * 1.05);
    },
  );

  it("gives a page whose every cut falls inside a host its whole parse", () => {
    // Forty labels a host: the candidate cuts tried for a piece all fall between labels.
    const bytes = page(hosts(120, 1, undefined, 40));
    expect(parseHostListJson(bytes)).toEqual(reference(bytes));
  });

  it.each([
    ["cut short in the middle", (text: string) => text.slice(0, Math.floor(text.length / 2))],
    ["a broken host in the middle", (text: string) => text.replace('"id":400,', '"id":400,,')],
    ["a broken last host", (text: string) => text.replace(/\}\]\}$/, ",]}")],
    ["a stray character after the body", (text: string) => `${text}x`],
  ])("throws SyntaxError for a body %s, as JSON.parse does", (_label, spoil) => {
    const bytes = utf8(spoil(JSON.stringify({ hosts: hosts(1000) })));
    expect(() => reference(bytes)).toThrow(SyntaxError);
    expect(() => parseHostListJson(bytes)).toThrow(SyntaxError);
  });
});
