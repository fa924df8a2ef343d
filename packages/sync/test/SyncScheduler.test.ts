import { openDatabase } from "@enrollwatch/db";
import pino from "pino";
import { afterEach, beforeEach, expect, it } from "vitest";
import { SyncRunner, SyncScheduler, UnenrollmentService } from "../src/index.ts";
import { createSyncHarness, type SyncHarness } from "./SyncHarness.ts";

let h: SyncHarness;
beforeEach(async () => {
  h = await createSyncHarness("postgres", 300);
});
afterEach(async () => {
  await h.close();
});

it("two instances on one PostgreSQL database never sync at once: one runs, the other stands aside", async () => {
  const databaseUrl = h.t.databaseUrl;
  if (!databaseUrl) throw new Error("postgres harness without a URL");
  // A second process's view: its own pool, runner and scheduler on the same database.
  const other = await openDatabase({ databaseUrl, poolSize: 3 });
  try {
    const unenrollment = new UnenrollmentService({
      db: other,
      fleet: h.fleet,
      publisher: h.publisher,
      links: {},
      now: h.now,
    });
    const runner = new SyncRunner({
      db: other,
      fleet: h.fleet,
      publisher: h.publisher,
      unenrollment,
      logger: pino({ level: "silent" }),
      now: h.now,
    });
    const logger = pino({ level: "silent" });
    const a = new SyncScheduler(h.t.db, h.runner, logger);
    const b = new SyncScheduler(other, runner, logger);
    h.sim.faults.add({ kind: "timeout", ms: 400, route: "list", times: 1 });
    const [first, second] = await Promise.all([a.runNow("a"), b.runNow("b")]);
    const ran = [first, second].filter((attempt) => attempt.ran);
    expect(ran).toHaveLength(1);
    expect([first, second].filter((attempt) => !attempt.ran)).toEqual([
      { ran: false, reason: "another instance is syncing" },
    ]);
    expect(await h.t.db.prisma.syncRun.count()).toBe(1);
    // Once the lock is free, the other instance can sync.
    expect((await b.runNow("b")).ran).toBe(true);
  } finally {
    await other.close();
  }
});

it("in one process, an on-demand sync joins the one in progress", async () => {
  const scheduler = new SyncScheduler(h.t.db, h.runner, pino({ level: "silent" }));
  const [x, y] = await Promise.all([scheduler.runNow(), scheduler.runNow()]);
  expect(x).toBe(y);
  expect(await h.t.db.prisma.syncRun.count()).toBe(1);
});
