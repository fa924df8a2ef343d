// @vitest-environment node
import { describe, expect, it, vi } from "vitest";
import type { LiveStatusEvent } from "../../lib/liveDocuments.ts";
import { DeviceList, type FetchDevicePage, FIRST_PAGE, FLASH_MS, NEXT_PAGE } from "./deviceList.ts";
import type { DeviceRow } from "./documents.ts";

const row = (i: number): DeviceRow => ({
  id: `d${i}`,
  name: `device ${i}`,
  serial: `S${i}`,
  platform: "darwin",
  osVersion: null,
  team: null,
  status: "ENROLLED",
  statusSince: "2026-11-25T09:00:00.000Z",
  lastSeenAt: null,
  owner: null,
});

/** A connection of `total` devices served in pages from cursors "0", "100", ... */
function fakeServer(total: number): FetchDevicePage & { calls: [string | null, number][] } {
  const calls: [string | null, number][] = [];
  const fetch = vi.fn(async (_q, after: string | null, first: number) => {
    calls.push([after, first]);
    const start = after === null ? 0 : Number(after);
    const end = Math.min(total, start + first);
    return {
      rows: Array.from({ length: end - start }, (_, k) => row(start + k)),
      endCursor: end > start ? String(end) : null,
      hasNextPage: end < total,
      ...(after === null ? { total } : {}),
    };
  });
  return Object.assign(fetch, { calls });
}

const event = (id: string, status: LiveStatusEvent["to"], seq = 1): LiveStatusEvent => ({
  seq: String(seq),
  at: "2026-11-25T10:00:00.000Z",
  from: "ENROLLED",
  to: status,
  device: {
    id,
    name: `renamed ${id}`,
    serial: null,
    platform: "darwin",
    team: null,
    status,
    statusSince: "2026-11-25T10:00:00.000Z",
    lastSeenAt: null,
  },
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("DeviceList", () => {
  it("loads a small first page, then the pages the table asks for, in cursor order", async () => {
    const server = fakeServer(2000);
    const list = new DeviceList({ filter: null, orderBy: "NAME_ASC" }, server);
    list.want(10);
    await settle();
    expect(list.total()).toBe(2000);
    expect(server.calls[0]).toEqual([null, FIRST_PAGE]);
    // The first page plus a page of prefetch beyond the visible rows.
    expect(list.loaded()).toBe(FIRST_PAGE + NEXT_PAGE);
    expect(list.row(0)?.name).toBe("device 0");
    expect(list.row(FIRST_PAGE + NEXT_PAGE)).toBeUndefined();
    list.want(1500);
    await settle();
    await settle();
    await settle();
    expect(list.loaded()).toBe(2000);
    expect(server.calls.map((c) => c[0])).toEqual([null, "100", "600", "1100", "1600"]);
    // Everything loaded: no more requests.
    list.want(1999);
    await settle();
    expect(server.calls).toHaveLength(5);
  });

  it("updates loaded rows in place from live events, with a highlight that restarts", async () => {
    const list = new DeviceList({ filter: null, orderBy: "NAME_ASC" }, fakeServer(50));
    list.want(0);
    await settle();
    const before = list.version();
    expect(list.applyEvents([event("d3", "OFFLINE"), event("unknown", "OFFLINE")], 1000)).toBe(1);
    expect(list.version()).toBe(before + 1);
    expect(list.row(3)).toMatchObject({ status: "OFFLINE", name: "renamed d3", serial: null });
    expect(list.flash("d3", 1000 + FLASH_MS - 1)).toBe(1);
    expect(list.flash("d3", 1000 + FLASH_MS)).toBeNull();
    list.applyEvents([event("d3", "ENROLLED", 2)], 5000);
    expect(list.flash("d3", 5001)).toBe(2);
    expect(list.row(3)?.status).toBe("ENROLLED");
  });

  it("counts rows that left a status filter, and forgets them when they come back", async () => {
    const list = new DeviceList({ filter: { status: ["ENROLLED"] }, orderBy: "NAME_ASC" }, fakeServer(20));
    list.want(0);
    await settle();
    list.applyEvents([event("d1", "OFFLINE"), event("d2", "OFFLINE")]);
    expect(list.outOfFilter()).toBe(2);
    expect(list.hasLeftFilter("d1")).toBe(true);
    list.applyEvents([event("d1", "ENROLLED", 3)]);
    expect(list.outOfFilter()).toBe(1);
  });

  it("counts devices it has not loaded that moved into or out of its status filter", async () => {
    const list = new DeviceList(
      { filter: { status: ["OFFLINE"], platform: ["darwin"] }, orderBy: "NAME_ASC" },
      fakeServer(5),
    );
    list.want(0);
    await settle();
    const moved = (id: string, from: LiveStatusEvent["to"], to: LiveStatusEvent["to"], platform = "darwin") => {
      const e = event(id, to);
      return { ...e, from, device: { ...e.device, platform } };
    };
    list.applyEvents([moved("x1", "ENROLLED", "OFFLINE"), moved("x2", "AGENT_INACTIVE", "OFFLINE")]);
    expect(list.joinedFilter()).toBe(2);
    // Another platform, or a move that stays outside (or inside) the filter, changes nothing.
    list.applyEvents([
      moved("x3", "ENROLLED", "OFFLINE", "windows"),
      moved("x4", "ENROLLED", "AGENT_INACTIVE"),
      moved("x2", "OFFLINE", "OFFLINE"),
    ]);
    expect(list.joinedFilter()).toBe(2);
    // One of them leaves again; an unloaded device that was in the filter leaves it.
    list.applyEvents([moved("x1", "OFFLINE", "ENROLLED"), moved("x9", "OFFLINE", "ENROLLED")]);
    expect(list.joinedFilter()).toBe(1);
    expect(list.outOfFilter()).toBe(1);
    list.applyEvents([moved("x9", "ENROLLED", "OFFLINE")]);
    expect(list.outOfFilter()).toBe(0);
    expect(list.joinedFilter()).toBe(1);
  });

  it("does not count events that arrive before the first page", async () => {
    const list = new DeviceList({ filter: { status: ["OFFLINE"] }, orderBy: "NAME_ASC" }, fakeServer(10));
    list.applyEvents([event("x1", "OFFLINE")]);
    list.want(0);
    await settle();
    expect(list.joinedFilter()).toBe(0);
    list.applyEvents([event("x2", "OFFLINE")]);
    expect(list.joinedFilter()).toBe(1);
  });

  it("stops counting a joined device once a later page brings it into the list", async () => {
    const list = new DeviceList({ filter: { status: ["OFFLINE"] }, orderBy: "NAME_ASC" }, fakeServer(1000));
    list.want(0);
    await settle();
    expect(list.loaded()).toBeLessThan(700);
    list.applyEvents([event("d700", "OFFLINE")]);
    expect(list.joinedFilter()).toBe(1);
    list.want(800);
    await settle();
    await settle();
    expect(list.loaded()).toBe(1000);
    expect(list.joinedFilter()).toBe(0);
  });

  it("with a search counts a joining device only when its name or serial matches", async () => {
    const list = new DeviceList({ filter: { status: ["OFFLINE"], search: "Mac" }, orderBy: "NAME_ASC" }, fakeServer(0));
    list.want(0);
    await settle();
    const moved = (id: string, name: string) => {
      const e = event(id, "OFFLINE");
      return { ...e, device: { ...e.device, name } };
    };
    list.applyEvents([moved("m1", "Ada's MacBook"), moved("m2", "Build box")]);
    expect(list.joinedFilter()).toBe(1);
  });

  it("shows the error and retries", async () => {
    let fail = true;
    const server = fakeServer(10);
    const list = new DeviceList({ filter: null, orderBy: "NAME_ASC" }, async (...args) => {
      if (fail) throw new Error("HTTP 503");
      return server(...args);
    });
    list.want(0);
    await settle();
    expect(list.error()).toBe("HTTP 503");
    fail = false;
    list.retry();
    await settle();
    expect(list.error()).toBeNull();
    expect(list.loaded()).toBe(10);
    expect(list.total()).toBe(10);
  });
});
