import { DatabaseSetupError } from "@enrollwatch/db";
import { buildApp } from "./buildApp.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";

// Expected start-up failures (bad configuration, database unusable) print their own one-line
// messages and exit non-zero; anything else is a bug and keeps its stack.
try {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const app = await buildApp(config, logger);
  // Handlers go in before listening, so a signal right after start-up still stops cleanly.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  // While stopping, a client library may still reject a command it had in flight (ioredis:
  // "Connection is closed"). Log it instead of crashing the shutdown; at any other time an
  // unhandled rejection is a bug and still ends the process.
  process.on("unhandledRejection", (reason) => {
    if (!stopping) throw reason;
    logger.warn({ err: reason }, "ignored during shutdown");
  });
  // `on`, not `once`: a second Ctrl-C while stopping must not kill the process mid-close.
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  await app.start();
} catch (error) {
  if (error instanceof ConfigError || error instanceof DatabaseSetupError) {
    for (const line of error.message.split("\n")) console.error(`enrollwatch: ${line}`);
    process.exit(1);
  }
  if (error instanceof Error && "code" in error && error.code === "EADDRINUSE") {
    console.error(`enrollwatch: port already in use (${error.message}): stop the other process or set PORT.`);
    process.exit(1);
  }
  throw error;
}
