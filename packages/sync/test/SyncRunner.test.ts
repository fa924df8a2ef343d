import { DATABASE_KINDS } from "@enrollwatch/db/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SyncRunner } from "../src/index.ts";
import { createSyncHarness, DAY_MS, type SyncHarness } from "./SyncHarness.ts";

describe.each(DATABASE_KINDS)("SyncRunner on %s", (kind) => {
  let h: SyncHarness;
  beforeEach(async () => {
    h = await createSyncHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  const device = (fleetHostId: number) => h.t.db.prisma.device.findUniqueOrThrow({ where: { fleetHostId } });

  it("records every host once, with one event per device, and publishes after commit", async () => {
    const result = await h.runner.run();
    expect(result).toMatchObject({ state: "SUCCEEDED", hostsSeen: 200, transitions: 200, error: null });
    const { prisma } = h.t.db;
    expect(await prisma.device.count()).toBe(200);
    const events = await prisma.statusEvent.findMany({ orderBy: { seq: "asc" } });
    expect(events).toHaveLength(200);
    expect(new Set(events.map((e) => e.deviceId)).size).toBe(200);
    expect(events.every((e) => e.from === null && e.syncRunId === result.id)).toBe(true);
    // The last signal names the last committed event, so a subscriber reading up to it misses none.
    const signals = h.publisher.of("statusEvents");
    expect(signals.at(-1)?.upToSeq).toBe(events.at(-1)?.seq.toString());
    const run = await prisma.syncRun.findUniqueOrThrow({ where: { id: result.id } });
    expect(run).toMatchObject({ state: "SUCCEEDED", hostsSeen: 200, transitions: 200 });
    expect(run.finishedAt).not.toBeNull();
    // Owners are employees, shared by their devices.
    const owned = await prisma.device.count({ where: { ownerId: { not: null } } });
    expect(owned).toBeGreaterThan(100);
    expect(await prisma.employee.count()).toBeLessThanOrEqual(owned);
  });

  it("re-running on the same data writes nothing", async () => {
    await h.runner.run();
    const before = await h.t.db.prisma.device.findMany({ orderBy: { fleetHostId: "asc" } });
    const again = await h.runner.run();
    expect(again).toMatchObject({ state: "SUCCEEDED", hostsSeen: 200, transitions: 0, devicesWritten: 0 });
    expect(await h.t.db.prisma.statusEvent.count()).toBe(200);
    const after = await h.t.db.prisma.device.findMany({ orderBy: { fleetHostId: "asc" } });
    expect(after.map((d) => d.updatedAt.getTime())).toEqual(before.map((d) => d.updatedAt.getTime()));
  });

  it("decides each situation of the seed and records each transition exactly once", async () => {
    const mac = h.hostOf("darwin");
    const windows = h.hostOf("windows");
    const linux = h.hostOf("ubuntu", false);
    for (const id of [mac, windows, linux]) h.sim.model.setState(id, "HEALTHY");
    await h.runner.run();
    for (const id of [mac, windows, linux]) expect((await device(id)).status).toBe("ENROLLED");

    h.sim.model.setState(mac, "PROFILE_REMOVED");
    h.sim.model.setState(windows, "AGENT_STOPPED");
    h.sim.model.setState(linux, "OFFLINE");
    // Past both thresholds: agent data older than 24 h, no contact for more than 7 days.
    h.sim.clock.advance(8 * DAY_MS);
    const run = await h.runner.run();
    const macDevice = await device(mac);
    expect(macDevice.status).toBe("MDM_PROFILE_MISSING");
    expect(macDevice.problems).toEqual([
      expect.objectContaining({
        status: "MDM_PROFILE_MISSING",
        remediation: expect.objectContaining({ kind: "INSTALL_MACOS_PROFILE" }),
      }),
    ]);
    expect((await device(windows)).status).toBe("AGENT_INACTIVE");
    expect((await device(linux)).status).toBe("OFFLINE");
    const events = await h.t.db.prisma.statusEvent.findMany({ where: { syncRunId: run.id } });
    const mine = events.filter((e) => [macDevice.id].includes(e.deviceId));
    expect(mine).toEqual([expect.objectContaining({ from: "ENROLLED", to: "MDM_PROFILE_MISSING" })]);

    // Fixed again: back to ENROLLED within one sync.
    h.sim.model.fix(mac);
    await h.runner.run();
    expect((await device(mac)).status).toBe("ENROLLED");
    const macEvents = await h.t.db.prisma.statusEvent.findMany({
      where: { deviceId: macDevice.id },
      orderBy: { seq: "asc" },
    });
    expect(macEvents.map((e) => [e.from, e.to])).toEqual([
      [null, "ENROLLED"],
      ["ENROLLED", "MDM_PROFILE_MISSING"],
      ["MDM_PROFILE_MISSING", "ENROLLED"],
    ]);
  });

  it("a status that stays keeps its start time when other facts change; a new status starts now", async () => {
    const windows = h.hostOf("windows");
    h.sim.model.setState(windows, "HEALTHY");
    await h.runner.run();
    const first = await device(windows);
    expect(first.status).toBe("ENROLLED");

    // Two hours later the agent has checked in again: "last seen" moves, the status does not.
    h.sim.clock.advance(2 * 3_600_000);
    const later = await h.runner.run();
    const moved = await device(windows);
    expect(moved.seenTime?.getTime()).toBeGreaterThan(first.seenTime?.getTime() ?? Number.POSITIVE_INFINITY);
    expect(moved.status).toBe("ENROLLED");
    expect(moved.statusSince).toEqual(first.statusSince);
    expect(await h.t.db.prisma.statusEvent.count({ where: { deviceId: first.id, syncRunId: later.id } })).toBe(0);

    h.sim.model.setState(windows, "AGENT_STOPPED");
    h.sim.clock.advance(2 * DAY_MS);
    await h.runner.run();
    const stopped = await device(windows);
    expect(stopped.status).toBe("AGENT_INACTIVE");
    expect(stopped.statusSince).toEqual(h.now());
    expect(stopped.id).toBe(first.id);
  });

  it("an abandoned enrolment is PARTIALLY_ENROLLED", async () => {
    const mac = h.hostOf("darwin");
    h.sim.model.setState(mac, "ENROLLMENT_ABANDONED");
    await h.runner.run();
    expect((await device(mac)).status).toBe("PARTIALLY_ENROLLED");
  });

  it("a failure mid-fetch changes nothing and records the run as FAILED with its reason", async () => {
    await h.runner.run();
    const snapshot = await h.t.db.prisma.device.findMany({ orderBy: { fleetHostId: "asc" } });
    // Everything changes in Fleet, then Fleet breaks on the third page.
    h.sim.clock.advance(30 * DAY_MS);
    h.sim.faults.add({ kind: "malformedJson", route: "list", afterRequests: 2, times: 1 });
    const failed = await h.runner.run();
    expect(failed.state).toBe("FAILED");
    expect(failed.error).toBe("Fleet sent a response that is not JSON for GET /api/v1/fleet/hosts.");
    const run = await h.t.db.prisma.syncRun.findUniqueOrThrow({ where: { id: failed.id } });
    expect(run).toMatchObject({ state: "FAILED", error: failed.error });
    expect(await h.t.db.prisma.device.findMany({ orderBy: { fleetHostId: "asc" } })).toEqual(snapshot);
    expect(await h.t.db.prisma.statusEvent.count()).toBe(200);
    // Writes decided before the failure were staged, never merged, and are gone.
    expect(await h.t.db.prisma.syncStagedDevice.count()).toBe(0);
  });

  it("nothing it decided is visible before the whole fetch has succeeded, then all of it at once", async () => {
    await h.runner.run();
    const offline = () => h.t.db.prisma.device.count({ where: { status: "OFFLINE" } });
    const offlineBefore = await offline();
    goOffline(h);
    const gate = pauseAfterPages(h, 3);
    const running = h.runner.run();
    try {
      await gate.paused;
      // Three pages decided, two batches of writes sent: other readers still see the last sync.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await offline()).toBe(offlineBefore);
      expect(await h.t.db.prisma.statusEvent.count()).toBe(200);
    } finally {
      gate.release();
    }
    expect(await running).toMatchObject({ state: "SUCCEEDED", transitions: 200 - offlineBefore });
    expect(await offline()).toBe(200);
    expect(await h.t.db.prisma.statusEvent.count()).toBe(400 - offlineBefore);
  });

  it("does not undo an admin's unenrolment of a device it decided before the admin acted", async () => {
    await h.runner.run();
    const { prisma } = h.t.db;
    // A device of the first page (50 hosts) that the next sync moves to OFFLINE from the list alone
    // (Apple hosts wait for their details): decided when the sync pauses there, not yet written
    // (PGlite stages until the fetch ends; PostgreSQL sends its first batch at 64 writes).
    const firstPage = [...h.sim.model.hostIds()].sort((a, b) => a - b).slice(0, 50);
    const target = await prisma.device.findFirstOrThrow({
      where: {
        fleetHostId: { in: firstPage },
        status: { not: "OFFLINE" },
        platform: { notIn: ["darwin", "ios", "ipados"] },
      },
      orderBy: { fleetHostId: "desc" },
    });
    const changing = await prisma.device.count({ where: { status: { not: "OFFLINE" } } });
    goOffline(h);
    const gate = pauseAfterPages(h, 1);
    const syncNow = h.now();
    const syncing = h.runner.run();
    try {
      await gate.paused;
      const outcome = await h.unenrollment.unenroll([target.id], {
        by: "ADMIN",
        actor: "admin",
        resendInvitation: false,
      });
      expect(outcome).toMatchObject({ unenrolled: 1, failures: [] });
    } finally {
      gate.release();
    }
    const run = await syncing;
    expect(run).toMatchObject({ state: "SUCCEEDED", error: null, transitions: changing - 1 });
    // What the run reports as written is what the database holds from it, not the dropped write.
    expect(run.devicesWritten).toBe(await prisma.device.count({ where: { updatedAt: syncNow } }));
    const after = await prisma.device.findUniqueOrThrow({ where: { id: target.id } });
    expect(after).toMatchObject({ status: "UNENROLLED", purgedBy: "ADMIN" });
    const history = await prisma.statusEvent.findMany({ where: { deviceId: target.id }, orderBy: { seq: "asc" } });
    expect(history.map((e) => [e.from, e.to])).toEqual([
      [null, target.status],
      [target.status, "UNENROLLED"],
    ]);
    // The next sync knows of the unenrolment (and Fleet no longer lists the host): it stays unenrolled.
    await h.runner.run();
    expect(await prisma.device.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({
      status: "UNENROLLED",
      missingFromFleetAt: expect.any(Date),
    });
    expect(await prisma.statusEvent.count({ where: { deviceId: target.id } })).toBe(2);
  });

  it("an employee's check again answers what the device holds when an admin unenrolled it meanwhile", async () => {
    await h.runner.run();
    const { prisma } = h.t.db;
    const target = await prisma.device.findFirstOrThrow({
      where: { status: "ENROLLED", platform: { notIn: ["darwin", "ios", "ipados"] } },
      orderBy: { fleetHostId: "asc" },
    });
    // Its facts change, so the check has a write to make (it goes OFFLINE).
    h.sim.model.setState(target.fleetHostId, "OFFLINE");
    h.sim.clock.advance(8 * DAY_MS);
    // The admin acts after the check read the device and before it writes (at its owners statement).
    const connect = h.t.db.connect.bind(h.t.db);
    let adminActed = false;
    h.t.db.connect = async () => {
      const conn = await connect();
      return {
        ...conn,
        query: async (text, params) => {
          if (!adminActed && text.trimStart().startsWith('INSERT INTO "Employee"')) {
            adminActed = true;
            const outcome = await h.unenrollment.unenroll([target.id], {
              by: "ADMIN",
              actor: "admin",
              resendInvitation: false,
            });
            expect(outcome).toMatchObject({ unenrolled: 1, failures: [] });
          }
          return conn.query(text, params);
        },
      };
    };
    let answer: Awaited<ReturnType<SyncRunner["syncDevice"]>>;
    try {
      answer = await h.runner.syncDevice(target.fleetHostId);
    } finally {
      h.t.db.connect = connect;
    }
    expect(adminActed).toBe(true);
    expect(answer).toEqual({ status: "UNENROLLED", changed: false, written: false });
    // The admin's change stands as they wrote it: the facts fetched before it are not written over it.
    const unenrolled = await prisma.device.findUniqueOrThrow({ where: { id: target.id } });
    expect(unenrolled).toMatchObject({ status: "UNENROLLED", purgedBy: "ADMIN", snapshotHash: null });
    expect(unenrolled.seenTime).toEqual(target.seenTime);
    const history = await prisma.statusEvent.findMany({ where: { deviceId: target.id }, orderBy: { seq: "asc" } });
    expect(history.map((e) => [e.from, e.to])).toEqual([
      [null, "ENROLLED"],
      ["ENROLLED", "UNENROLLED"],
    ]);
  });

  it("a host deleted from Fleet between its page and its details is skipped, not a failed sync", async () => {
    await h.runner.run();
    goOffline(h); // silent agents: the Apple hosts need their details (MDM check-ins)
    const original = h.fleet.getHost.bind(h.fleet);
    let deleted: number | undefined;
    h.fleet.getHost = (id, signal) => {
      if (deleted === undefined) {
        deleted = id;
        h.sim.model.removeHost(id); // the simulator answers this request with its 404
      }
      return original(id, signal);
    };
    const before = await h.t.db.prisma.device.findMany({ orderBy: { fleetHostId: "asc" } });
    const run = await h.runner.run();
    h.fleet.getHost = original;
    expect(run).toMatchObject({ state: "SUCCEEDED", error: null });
    if (deleted === undefined) throw new Error("no host needed details");
    expect(run.hostsSeen).toBe(199);
    // Fleet said it is gone: marked missing like a host it no longer lists, its status left as it was.
    const was = before.find((d) => d.fleetHostId === deleted);
    expect(await device(deleted)).toMatchObject({ status: was?.status, missingFromFleetAt: expect.any(Date) });
    expect(await h.t.db.prisma.device.count({ where: { status: "OFFLINE" } })).toBe(
      199 + (was?.status === "OFFLINE" ? 1 : 0),
    );
  });

  it("marks a device that disappears from Fleet instead of deleting it", async () => {
    await h.runner.run();
    const [gone] = h.sim.model.hostIds();
    if (gone === undefined) throw new Error("empty fleet");
    h.sim.model.removeHost(gone);
    const run = await h.runner.run();
    expect(run.hostsSeen).toBe(199);
    const d = await device(gone);
    expect(d.missingFromFleetAt).not.toBeNull();
  });
});

// PGlite stages a sync's writes in a table and merges them after the fetch (DeviceWriteStage).
describe("SyncRunner on pglite, staging its writes", () => {
  let h: SyncHarness;
  beforeEach(async () => {
    h = await createSyncHarness("pglite");
  });
  afterEach(async () => {
    await h.close();
  });
  const device = (fleetHostId: number) => h.t.db.prisma.device.findUniqueOrThrow({ where: { fleetHostId } });

  it("drops what a crashed sync left staged instead of merging it", async () => {
    await h.runner.run();
    const victim = h.hostOf("windows");
    const before = await device(victim);
    // A sync killed between staging and merging leaves rows behind, here one that would rename a device.
    await h.t.db.prisma.syncStagedDevice.create({
      data: {
        ord: 0,
        fleetHostId: victim,
        name: "left over by a crash",
        platform: "windows",
        status: "OFFLINE",
        problems: "[]",
        everMdmEnrolled: false,
        snapshotHash: "stale",
        previousStatus: before.status,
      },
    });
    const run = await h.runner.run();
    expect(run).toMatchObject({ state: "SUCCEEDED", devicesWritten: 0, transitions: 0 });
    expect(await device(victim)).toEqual(before);
    expect(await h.t.db.prisma.syncStagedDevice.count()).toBe(0);
  });
});

// PostgreSQL writes a sync's devices into one transaction held open beside the fetch (DeviceWriteTransaction).
describe("SyncRunner on postgres, writing in one transaction", () => {
  let h: SyncHarness;
  beforeEach(async () => {
    h = await createSyncHarness("postgres");
  });
  afterEach(async () => {
    await h.close();
  });

  it("an admin unenrolling a device the sync has written waits for its commit; neither fails nor deadlocks", async () => {
    await h.runner.run();
    // The first device the next sync writes: it moves from ENROLLED to OFFLINE there.
    const target = await h.t.db.prisma.device.findFirstOrThrow({
      where: { status: "ENROLLED" },
      orderBy: { fleetHostId: "asc" },
    });
    goOffline(h);
    const gate = pauseAfterPages(h, 3);
    const syncing = h.runner.run();
    let unenrolling: ReturnType<typeof h.unenrollment.unenroll> | undefined;
    try {
      await gate.paused;
      await new Promise((resolve) => setTimeout(resolve, 300)); // the first batch, with this device, is written
      unenrolling = h.unenrollment.unenroll([target.id], { by: "ADMIN", actor: "admin", resendInvitation: false });
      await new Promise((resolve) => setTimeout(resolve, 300)); // it now waits for the device's row
    } finally {
      gate.release();
    }
    const [run, outcome] = await Promise.all([syncing, unenrolling]);
    expect(run).toMatchObject({ state: "SUCCEEDED", error: null });
    expect(outcome).toMatchObject({ unenrolled: 1, failures: [] });
    // The unenrolment applied after the sync's commit, so it is the device's last word.
    expect((await h.t.db.prisma.device.findUniqueOrThrow({ where: { id: target.id } })).status).toBe("UNENROLLED");
    const events = await h.t.db.prisma.statusEvent.findMany({
      where: { deviceId: target.id },
      orderBy: { seq: "asc" },
    });
    expect(events.map((e) => [e.from, e.to])).toEqual([
      [null, "ENROLLED"],
      ["ENROLLED", "OFFLINE"],
      ["OFFLINE", "UNENROLLED"],
    ]);
    const lastSyncSeq = (
      await h.t.db.prisma.statusEvent.findFirst({ where: { syncRunId: run.id }, orderBy: { seq: "desc" } })
    )?.seq;
    expect(events.at(-1)?.seq).toBeGreaterThan(lastSyncSeq ?? 0n);
  });
});

/** Every host stops reporting, and 8 days pass: the next sync finds the whole fleet OFFLINE. */
function goOffline(h: SyncHarness): void {
  for (const id of h.sim.model.hostIds()) h.sim.model.setState(id, "OFFLINE");
  h.sim.clock.advance(8 * DAY_MS);
}

/**
 * Holds the next sync after `pages` pages of the host list until released, so a test can look at
 * the database while a sync is mid-fetch.
 */
function pauseAfterPages(h: SyncHarness, pages: number): { paused: Promise<void>; release(): void } {
  const original = h.fleet.listHostPages.bind(h.fleet);
  let release = () => {};
  let paused = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const reached = new Promise<void>((resolve) => {
    paused = resolve;
  });
  h.fleet.listHostPages = async function* (signal) {
    let n = 0;
    try {
      for await (const page of original(signal)) {
        yield page;
        if (++n === pages) {
          paused();
          await released;
        }
      }
    } finally {
      h.fleet.listHostPages = original;
    }
  };
  return { paused: reached, release };
}
