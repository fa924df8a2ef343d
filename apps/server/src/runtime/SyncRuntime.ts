import { type Database, PlannerStatistics } from "@enrollwatch/db";
import { type FleetSim, startFleetSim } from "@enrollwatch/fleet-sim";
import {
  AlertEvaluator,
  AlertTriage,
  FleetClient,
  type MessageLinks,
  OutboxWorker,
  parseSecretsKey,
  SyncRunner,
  SyncScheduler,
  UnenrollmentService,
  WebhookSecretBox,
  WebhookWorker,
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
  alerts: AlertEvaluator;
  triage: AlertTriage;
  webhooks: WebhookWorker;
  webhookSecrets: WebhookSecretBox;
  start(): Promise<void>;
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
  const keyOf = (text: string | undefined) => (text ? parseSecretsKey(text) : null);
  const previousKey = keyOf(config.SECRETS_KEY_PREVIOUS);
  const webhookSecrets = new WebhookSecretBox(keyOf(config.SECRETS_KEY), previousKey ? [previousKey] : []);
  const webhooks = new WebhookWorker({
    db,
    secrets: webhookSecrets,
    logger: logger.child({ part: "webhooks" }),
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE === "true",
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
  });
  const transport = config.SMTP_URL ? nodemailer.createTransport(config.SMTP_URL) : null;
  if (!transport) logger.warn("no SMTP_URL: messages stay in the outbox, marked unsent");
  const outbox = new OutboxWorker({
    prisma: db.prisma,
    transport,
    from: config.MAIL_FROM,
    logger: logger.child({ part: "outbox" }),
    enrollmentPageUrl: () => `${config.PUBLIC_URL ?? publicUrl()}/enroll`,
  });
  const dashboardUrl = () => config.PUBLIC_URL ?? publicUrl();
  const alerts = new AlertEvaluator({
    db,
    publisher: pubsub,
    logger: logger.child({ part: "alerts" }),
    links,
    dashboardUrl,
    intervalMs: config.ALERT_EVALUATION_INTERVAL_SECONDS * 1000,
    onQueued: ({ deliveries, messages }) => {
      if (deliveries > 0) webhooks.poke();
      if (messages > 0) void outbox.deliverDue().catch(() => {});
    },
  });
  const triage = new AlertTriage(db, pubsub);
  const statistics = new PlannerStatistics(db);
  const scheduler = new SyncScheduler(
    db,
    runner,
    logger.child({ part: "scheduler" }),
    async () => {
      // First the statistics (PGlite has no autovacuum to keep them), so that the evaluation and
      // the dashboard's next queries are planned on what the sync wrote.
      // A failure here must not cost the sync its alert evaluation: logged, and tried after the next.
      const started = performance.now();
      try {
        const analysed = await statistics.refresh();
        if (analysed.length > 0) {
          logger.info(
            { tables: analysed, ms: Math.round(performance.now() - started) },
            "planner statistics refreshed",
          );
        }
      } catch (error) {
        logger.warn({ err: error }, "planner statistics not refreshed");
      }
      await alerts.evaluate();
    },
    config.SYNC_LOCK_CHECK_SECONDS * 1000,
  );
  return {
    fleet,
    sim,
    scheduler,
    unenrollment,
    outbox,
    links,
    alerts,
    triage,
    webhooks,
    webhookSecrets,
    async start() {
      await alerts.seedDefaultRules();
      const sealed = await webhookSecrets.sealStored(db);
      if (sealed > 0)
        logger.info(
          { webhooks: sealed },
          "webhook secrets stored in clear or under SECRETS_KEY_PREVIOUS are now sealed with SECRETS_KEY",
        );
      const unopenable = await webhookSecrets.unopenable(db);
      if (unopenable > 0) {
        logger.error(
          { webhooks: unopenable },
          "webhook secrets are sealed but SECRETS_KEY is not set: their deliveries fail until it is",
        );
      }
      if (config.SYNC_ON_START === "true") scheduler.start();
      outbox.start();
      alerts.start();
      webhooks.start();
    },
    async stop() {
      await scheduler.stop();
      await alerts.stop();
      await webhooks.stop();
      await outbox.stop();
      transport?.close();
      fleet.close();
      await sim?.close();
    },
  };
}
