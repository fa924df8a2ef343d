import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Database, openMigratedDatabase } from "@enrollwatch/db";
import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import { newSecret, seedAdminToken } from "./auth/ApiTokens.ts";
import type { Config } from "./config.ts";
import { installDatabase, prisma, uninstallDatabase } from "./db.ts";
import { createEmployeeHttp } from "./employee/employeeHttp.ts";
import type { Services } from "./graphql/context.ts";
import { StatusSummaryCache } from "./graphql/StatusSummaryCache.ts";
import { createYogaServer, type EnrollwatchYoga } from "./http/createYogaServer.ts";
import { createDashboardHandler } from "./http/DashboardAssets.ts";
import { attachGraphqlWs } from "./http/graphqlWs.ts";
import { StatusEventFeed } from "./live/StatusEventFeed.ts";
import { StatusEventGroups } from "./live/StatusEventGroups.ts";
import type { Logger } from "./logger.ts";
import { createEnrollwatchPubSub } from "./pubsub.ts";
import { createSyncRuntime, type SyncRuntime } from "./runtime/SyncRuntime.ts";

export interface App {
  /** Listens on config.PORT (0 = an ephemeral port, for tests) and resolves with the bound URL. */
  start(): Promise<{ url: string }>;
  /** Closes every socket, the sync side and the database; safe to call twice. */
  stop(): Promise<void>;
  readonly db: Database;
  readonly runtime: SyncRuntime;
  readonly services: Services;
  /** Live statusEvents subscription groups over graphql-ws. */
  readonly groups: StatusEventGroups;
  /** The GraphQL server itself, for in-process tests (yoga.fetch). */
  readonly yoga: EnrollwatchYoga;
}

/**
 * Opens and migrates the database, then wires sync, GraphQL over HTTP and WebSocket, and the health
 * endpoints. Nothing listens and nothing syncs until start(), so tests and main.ts share this.
 */
export async function buildApp(config: Config, logger: Logger): Promise<App> {
  const db = await openMigratedDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    queryEvents: config.PRISMA_QUERY_EVENTS === "true",
  });
  installDatabase(db);
  logger.info({ database: db.kind, location: db.location }, "database ready");
  try {
    if (config.ADMIN_TOKEN) {
      await seedAdminToken(config.ADMIN_TOKEN);
    } else if ((await prisma.apiToken.count({ where: { role: "ADMIN", revokedAt: null } })) === 0) {
      // A fresh install must be usable: make one admin token and show it once.
      const secret = newSecret();
      await seedAdminToken(secret);
      logger.warn(
        { adminToken: secret },
        "created the first ADMIN token; it is shown only now (set ADMIN_TOKEN to choose one)",
      );
    }
  } catch (error) {
    uninstallDatabase(db);
    await db.close();
    throw error;
  }

  let boundUrl = `http://localhost:${config.PORT}`;
  const redis = config.REDIS_URL
    ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false })
    : undefined;
  const { pubsub, close: closePubSub } = createEnrollwatchPubSub(
    config.REDIS_URL ? { kind: "redis", url: config.REDIS_URL } : { kind: "memory" },
  );
  const runtime = await createSyncRuntime(config, db, pubsub, logger, () => boundUrl);
  const summary = new StatusSummaryCache(pubsub);
  const feed = new StatusEventFeed(pubsub);
  const services: Services = {
    pubsub,
    scheduler: runtime.scheduler,
    unenrollment: runtime.unenrollment,
    outbox: runtime.outbox,
    fleet: runtime.fleet,
    links: runtime.links,
    alerts: runtime.alerts,
    triage: runtime.triage,
    webhooks: runtime.webhooks,
    webhookSecrets: runtime.webhookSecrets,
    allowPrivateWebhooks: config.WEBHOOK_ALLOW_PRIVATE === "true",
    summary,
    feed,
  };
  const limiterOptions = { points: config.RATE_LIMIT_PER_MINUTE, duration: 60, keyPrefix: "enrollwatch-rl" };
  const rateLimiter = redis
    ? new RateLimiterRedis({
        storeClient: redis,
        ...limiterOptions,
        insuranceLimiter: new RateLimiterMemory(limiterOptions),
      })
    : new RateLimiterMemory(limiterOptions);
  const production = config.NODE_ENV === "production";
  const yoga = createYogaServer({
    services,
    graphiql: config.GRAPHIQL ? config.GRAPHIQL === "true" : !production,
    introspection: config.INTROSPECTION ? config.INTROSPECTION === "true" : !production,
    rateLimiter,
  });

  const server: Server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error }, "request failed");
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
      else res.destroy();
    });
  });
  const serveDashboard = createDashboardHandler(config.DASHBOARD_DIR);
  const employeeHttp = createEmployeeHttp({
    services: {
      scheduler: runtime.scheduler,
      fleet: runtime.fleet,
      // "Check again" asks Fleet and re-syncs: a few times a minute per employee is plenty.
      checkLimiter: new RateLimiterMemory({ points: 3, duration: 60, keyPrefix: "employee-check" }),
      agentDownloadUrl: config.AGENT_DOWNLOAD_URL,
      mdmEnrollmentUrl: config.MDM_ENROLLMENT_URL,
    },
    secureCookies: (config.PUBLIC_URL ?? "").startsWith("https://"),
    logger,
  });
  const groups = new StatusEventGroups(feed);
  const ws = attachGraphqlWs({
    server,
    yoga,
    logger,
    allowedOrigins: config.ALLOWED_ORIGINS,
    rateLimiter,
    groups,
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/healthz") return sendJson(res, 200, { status: "ok" });
    if (path === "/readyz") {
      const ready = await isDatabaseReady(db);
      return sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "database unavailable", database: db.kind });
    }
    if (path === yoga.graphqlEndpoint) return yoga(req, res);
    if (path.startsWith("/employee/") && (await employeeHttp.handle(path, req, res))) return;
    return serveDashboard(req, res);
  }

  let stopped: Promise<void> | undefined;
  return {
    db,
    runtime,
    services,
    yoga,
    groups,
    start() {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.PORT, config.HOST, () => {
          server.off("error", reject);
          const { port } = server.address() as AddressInfo;
          boundUrl = `http://${config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST}:${port}`;
          logger.info({ url: boundUrl }, "listening");
          runtime.start().then(() => resolve({ url: boundUrl }), reject);
        });
      });
    },
    stop() {
      stopped ??= (async () => {
        await ws.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await runtime.stop();
        summary.close();
        feed.close();
        await closePubSub();
        await redis?.quit().catch(() => {});
        uninstallDatabase(db);
        await db.close();
      })();
      return stopped;
    },
  };
}

async function isDatabaseReady(db: Database): Promise<boolean> {
  try {
    await db.prisma.$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}
