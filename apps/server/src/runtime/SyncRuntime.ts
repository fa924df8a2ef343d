import type { Database } from "@enrollwatch/db";
import { type FleetSim, startFleetSim } from "@enrollwatch/fleet-sim";
import {
  FleetClient,
  type MessageLinks,
  OutboxWorker,
  SyncRunner,
  SyncScheduler,
  UnenrollmentService,
} from "@enrollwatch/sync";
import nodemailer from "nodemailer";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { EnrollwatchPubSub } from "../pubsub.ts";

export interface SyncRuntime {
  fleet: FleetClient;
  /** The built-in simulator when no FLEET_URL is configured (demo mode). */
  sim: FleetSim | undefined;
  scheduler: SyncScheduler;
  unenrollment: UnenrollmentService;
  outbox: OutboxWorker;
  links: MessageLinks;
  start(): void;
  stop(): Promise<void>;
}

/**
 * The sync side of the process: Fleet (or, in demo mode, the built-in simulator over real HTTP, so
 * the real client code path always runs), the runner and its scheduler, and the outbox worker.
 */
export async function createSyncRuntime(
  config: Config,
  db: Database,
  pubsub: EnrollwatchPubSub,
  logger: Logger,
  publicUrl: () => string,
): Promise<SyncRuntime> {
  let sim: FleetSim | undefined;
  let fleet: FleetClient;
  if (config.FLEET_URL && config.FLEET_API_TOKEN) {
    fleet = new FleetClient({ baseUrl: config.FLEET_URL, token: config.FLEET_API_TOKEN });
  } else {
    sim = await startFleetSim({ hosts: config.DEMO_HOSTS, seed: config.DEMO_SEED, timeScale: config.DEMO_TIME_SCALE });
    logger.info(
      { hosts: config.DEMO_HOSTS, url: sim.url, timeScale: config.DEMO_TIME_SCALE },
      "demo mode: built-in fleet simulator",
    );
    fleet = new FleetClient({ baseUrl: sim.url, token: sim.token });
  }
  const links: MessageLinks = {
    agentDownloadUrl: config.AGENT_DOWNLOAD_URL,
    mdmEnrollmentUrl: config.MDM_ENROLLMENT_URL,
  };
  const unenrollment = new UnenrollmentService({ db, fleet, publisher: pubsub, links });
  const runner = new SyncRunner({ db, fleet, publisher: pubsub, unenrollment, logger: logger.child({ part: "sync" }) });
  const scheduler = new SyncScheduler(db, runner, logger.child({ part: "scheduler" }));
  const transport = config.SMTP_URL ? nodemailer.createTransport(config.SMTP_URL) : null;
  if (!transport) logger.warn("no SMTP_URL: messages stay in the outbox, marked unsent");
  const outbox = new OutboxWorker({
    prisma: db.prisma,
    transport,
    from: config.MAIL_FROM,
    logger: logger.child({ part: "outbox" }),
    enrollmentPageUrl: () => `${config.PUBLIC_URL ?? publicUrl()}/enroll`,
  });
  return {
    fleet,
    sim,
    scheduler,
    unenrollment,
    outbox,
    links,
    start() {
      if (config.SYNC_ON_START === "true") scheduler.start();
      outbox.start();
    },
    async stop() {
      await scheduler.stop();
      await outbox.stop();
      transport?.close();
      await sim?.close();
    },
  };
}
