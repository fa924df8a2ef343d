import type { DatabaseKind } from "@enrollwatch/db";
import { openTestDatabase, type TestDatabase } from "@enrollwatch/db/testing";
import { type FleetSim, type Platform, startFleetSim } from "@enrollwatch/fleet-sim";
import pino from "pino";
import {
  type EnrollwatchTopics,
  type EventPublisher,
  FleetClient,
  SyncRunner,
  UnenrollmentService,
} from "../src/index.ts";

export const DAY_MS = 86_400_000;

/** A publisher that remembers what it was told, in order. */
export class RecordingPublisher implements EventPublisher {
  readonly published: { topic: keyof EnrollwatchTopics; payload: unknown }[] = [];
  publish<K extends keyof EnrollwatchTopics>(topic: K, ...payload: EnrollwatchTopics[K]): void {
    this.published.push({ topic, payload: payload[0] });
  }
  of<K extends keyof EnrollwatchTopics>(topic: K): EnrollwatchTopics[K][0][] {
    return this.published.filter((p) => p.topic === topic).map((p) => p.payload as EnrollwatchTopics[K][0]);
  }
}

export interface SyncHarness {
  t: TestDatabase;
  sim: FleetSim;
  fleet: FleetClient;
  publisher: RecordingPublisher;
  unenrollment: UnenrollmentService;
  runner: SyncRunner;
  now(): Date;
  /** First host of the platform (with MDM when asked), for tests that steer one device. */
  hostOf(platform: Platform, withMdm?: boolean): number;
  close(): Promise<void>;
}

/** A migrated database of the kind, a simulator over real HTTP, and a runner wired to both. */
export async function createSyncHarness(kind: DatabaseKind, hosts = 200): Promise<SyncHarness> {
  const t = await openTestDatabase(kind);
  const sim = await startFleetSim({ hosts, seed: 11, manualClock: true, startTime: new Date("2026-06-01T12:00:00Z") });
  const fleet = new FleetClient({ baseUrl: sim.url, token: sim.token, perPage: 50, retryBaseMs: 5 });
  const publisher = new RecordingPublisher();
  const now = () => new Date(sim.clock.now());
  const unenrollment = new UnenrollmentService({
    db: t.db,
    fleet,
    publisher,
    links: {},
    now,
  });
  const runner = new SyncRunner({
    db: t.db,
    fleet,
    publisher,
    unenrollment,
    logger: pino({ level: "silent" }),
    batchSize: 64,
    stateChunkSize: 50,
    now,
  });
  return {
    t,
    sim,
    fleet,
    publisher,
    unenrollment,
    runner,
    now,
    hostOf(platform, withMdm = true) {
      const id = sim.model.hostIds().find((h) => {
        const p = sim.model.profile(h);
        return p?.platform === platform && (p.mdm !== null) === withMdm;
      });
      if (id === undefined) throw new Error(`no ${platform} host in the simulated fleet`);
      return id;
    },
    async close() {
      await sim.close();
      await t.dispose();
    },
  };
}
