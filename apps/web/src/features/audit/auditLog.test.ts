// @vitest-environment node
import { describe, expect, it } from "vitest";
import { AUDIT_PAGE_SIZE, createAuditLogPages, type FetchAuditPage } from "./auditLog.ts";
import type { AuditEntry } from "./documents.ts";

const entry = (i: number): AuditEntry => ({
  id: `e${i}`,
  at: new Date(Date.UTC(2026, 10, 2) - i * 60_000).toISOString(),
  actor: "ops",
  action: "settings.update",
  target: null,
  targetDevice: null,
  before: null,
  after: null,
});

interface Call {
  after: string | null;
  first: number;
  withTotal: boolean;
}

/** A log of `total` entries paged from cursors "e49", "e99", ...; each answer waits for release(). */
function fakeServer(total: number, overlap = 0) {
  const calls: Call[] = [];
  const pending: (() => void)[] = [];
  let failNext = false;
  const fetchPage: FetchAuditPage = (_filter, after, first, withTotal) => {
    calls.push({ after, first, withTotal });
    return new Promise((resolve, reject) => {
      pending.push(() => {
        if (failNext) {
          failNext = false;
          reject(new Error("network down"));
          return;
        }
        const start = after === null ? 0 : Number(after.slice(1)) + 1 - overlap;
        const end = Math.min(total, start + first);
        resolve({
          entries: Array.from({ length: end - start }, (_, k) => entry(start + k)),
          endCursor: end > start ? `e${end - 1}` : null,
          hasNextPage: end < total,
          ...(withTotal ? { total } : {}),
        });
      });
    });
  };
  const release = async () => {
    pending.shift()?.();
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { fetchPage, calls, release, failOnce: () => (failNext = true) };
}

describe("createAuditLogPages", () => {
  it("loads the first page with the total, then appends pages after the last cursor until the end", async () => {
    const server = fakeServer(120);
    const pages = createAuditLogPages(null, server.fetchPage);
    expect(pages.loading()).toBe(true);
    expect(pages.total()).toBeNull();
    await server.release();
    expect(pages.total()).toBe(120);
    expect(pages.entries()).toHaveLength(AUDIT_PAGE_SIZE);
    expect(pages.hasMore()).toBe(true);

    pages.loadMore();
    pages.loadMore(); // a second click while loading asks for nothing more
    await server.release();
    pages.loadMore();
    await server.release();
    expect(server.calls).toEqual([
      { after: null, first: 50, withTotal: true },
      { after: "e49", first: 50, withTotal: false },
      { after: "e99", first: 50, withTotal: false },
    ]);
    expect(pages.entries().map((e) => e.id)).toEqual(Array.from({ length: 120 }, (_, i) => `e${i}`));
    expect(pages.hasMore()).toBe(false);
    expect(pages.total()).toBe(120);
    pages.loadMore();
    expect(server.calls).toHaveLength(3);
  });

  it("shows an entry once even when pages overlap", async () => {
    const server = fakeServer(80, 5);
    const pages = createAuditLogPages(null, server.fetchPage);
    await server.release();
    pages.loadMore();
    await server.release();
    const ids = pages.entries().map((e) => e.id);
    expect(ids).toEqual(Array.from({ length: 80 }, (_, i) => `e${i}`));
  });

  it("keeps what it has on an error, and retries the same page", async () => {
    const server = fakeServer(70);
    const pages = createAuditLogPages(null, server.fetchPage);
    await server.release();
    server.failOnce();
    pages.loadMore();
    await server.release();
    expect(pages.error()).toBe("network down");
    expect(pages.loading()).toBe(false);
    expect(pages.entries()).toHaveLength(50);
    pages.loadMore();
    expect(pages.error()).toBeNull();
    await server.release();
    expect(server.calls.map((c) => c.after)).toEqual([null, "e49", "e49"]);
    expect(pages.entries()).toHaveLength(70);
  });

  it("asks for the total again when the first page failed", async () => {
    const server = fakeServer(10);
    server.failOnce();
    const pages = createAuditLogPages(null, server.fetchPage);
    await server.release();
    expect(pages.total()).toBeNull();
    pages.loadMore();
    await server.release();
    expect(server.calls.map((c) => c.withTotal)).toEqual([true, true]);
    expect(pages.total()).toBe(10);
    expect(pages.hasMore()).toBe(false);
  });

  it("drops an answer that arrives after it was disposed (the filter changed)", async () => {
    const server = fakeServer(10);
    const pages = createAuditLogPages({ actor: "old" }, server.fetchPage);
    pages.dispose();
    await server.release();
    expect(pages.entries()).toHaveLength(0);
    expect(pages.total()).toBeNull();
  });
});
