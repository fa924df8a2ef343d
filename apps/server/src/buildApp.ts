import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Database, openMigratedDatabase } from "@enrollwatch/db";
import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";

export interface App {
  /** Listens on config.PORT (0 = an ephemeral port, for tests) and resolves with the bound URL. */
  start(): Promise<{ url: string }>;
  /** Closes every socket and the database; safe to call twice. */
  stop(): Promise<void>;
  readonly db: Database;
}

/**
 * Opens and migrates the database, then wires the HTTP server. Nothing listens until start(), so
 * tests and main.ts share the same construction.
 */
export async function buildApp(config: Config, logger: Logger): Promise<App> {
  const db = await openMigratedDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  logger.info({ database: db.kind, location: db.location }, "database ready");

  const server: Server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error }, "request failed");
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
      else res.destroy();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/healthz") return sendJson(res, 200, { status: "ok" });
    if (path === "/readyz") {
      const ready = await isDatabaseReady(db);
      return sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "database unavailable", database: db.kind });
    }
    sendJson(res, 404, { error: `no route for ${path}` });
  }

  let stopped: Promise<void> | undefined;
  return {
    db,
    start() {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.PORT, config.HOST, () => {
          server.off("error", reject);
          const { port } = server.address() as AddressInfo;
          const url = `http://${config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST}:${port}`;
          logger.info({ url }, "listening");
          resolve({ url });
        });
      });
    },
    stop() {
      stopped ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
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
