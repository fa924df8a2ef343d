import { parseSecretsKey } from "@enrollwatch/sync";
import { z } from "zod";

/** One line per bad variable, printed as is at start-up. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === "" ? undefined : v));

const port = (fallback: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(0, "must be between 0 and 65535")
    .max(65535, "must be between 0 and 65535")
    .default(fallback);

const secretsKey = optionalString.pipe(
  z
    .string()
    .refine((v) => parseSecretsKey(v) !== null, "must be 32 bytes as base64 or 64 hex digits (openssl rand -base64 32)")
    .optional(),
);

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: port(4000),
  HOST: z.string().min(1).default("127.0.0.1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// connection string (unset it to use embedded PGlite)")
      .optional(),
  ),
  DATA_DIR: z.string().min(1).default("./data"),
  FLEET_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional()),
  FLEET_API_TOKEN: optionalString,
  DEMO_HOSTS: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(10, "must be between 10 and 100000")
    .max(100_000, "must be between 10 and 100000")
    .default(500),
  DEMO_SEED: z.coerce.number({ error: "must be a number" }).int("must be a whole number").default(1),
  DEMO_TIME_SCALE: z.coerce
    .number({ error: "must be a number" })
    .positive("must be positive")
    .max(100_000, "must be at most 100000")
    .default(60),
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// URL (unset it for a single instance)")
      .optional(),
  ),
  ADMIN_TOKEN: optionalString.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  /** Seals webhook secrets at rest (AES-256-GCM): 32 bytes as base64 or 64 hex digits. */
  SECRETS_KEY: secretsKey,
  /** The key SECRETS_KEY replaces, while start-up seals the stored secrets anew (then unset it). */
  SECRETS_KEY_PREVIOUS: secretsKey,
  SMTP_URL: optionalString.pipe(
    z
      .string()
      .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
      .optional(),
  ),
  MAIL_FROM: z.string().min(3).default("Enrollwatch <enrollwatch@localhost>"),
  PUBLIC_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional()),
  AGENT_DOWNLOAD_URL: optionalString.pipe(z.url({ error: "must be a URL" }).optional()),
  MDM_ENROLLMENT_URL: optionalString.pipe(z.url({ error: "must be a URL" }).optional()),
  ALLOWED_ORIGINS: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    ),
  GRAPHIQL: z.enum(["true", "false"]).optional(),
  INTROSPECTION: z.enum(["true", "false"]).optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .default(1200),
  SYNC_ON_START: z.enum(["true", "false"]).default("true"),
  /** How often an instance checks whether the syncing instance died mid-run (and takes over). */
  SYNC_LOCK_CHECK_SECONDS: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be between 1 and 3600")
    .max(3600, "must be between 1 and 3600")
    .default(30),
  /** Let webhooks post to loopback, private and link-local addresses (refused by default: SSRF). */
  WEBHOOK_ALLOW_PRIVATE: z.enum(["true", "false"]).default("false"),
  WEBHOOK_TIMEOUT_MS: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(100, "must be between 100 and 60000")
    .max(60_000, "must be between 100 and 60000")
    .default(10_000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be between 1 and 20")
    .max(20, "must be between 1 and 20")
    .default(8),
  /** The first retry's delay; each further retry doubles it (capped at an hour). */
  WEBHOOK_RETRY_BASE_MS: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(10, "must be at least 10")
    .default(10_000),
  /** Alerts are evaluated after every sync and also this often, so grace periods end on time. */
  ALERT_EVALUATION_INTERVAL_SECONDS: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(0, "must be 0 (only after syncs) or more")
    .default(300),
  /** Tests only: let them count the SQL statements a request runs. */
  PRISMA_QUERY_EVENTS: z.enum(["true", "false"]).default("false"),
  /** The built dashboard; defaults to apps/web/dist. */
  DASHBOARD_DIR: optionalString,
});

export type Config = z.infer<typeof EnvSchema>;

/** Reads and validates the environment once; every bad variable is reported, each on its own line. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = EnvSchema.safeParse(env);
  // Checked outside the schema so it is reported together with the others, not after they are fixed.
  const crossField = [
    ...(env.FLEET_URL && !env.FLEET_API_TOKEN ? ["FLEET_API_TOKEN is required when FLEET_URL is set"] : []),
    ...(env.SECRETS_KEY_PREVIOUS && !env.SECRETS_KEY
      ? ["SECRETS_KEY is required when SECRETS_KEY_PREVIOUS is set"]
      : []),
  ];
  if (result.success && crossField.length === 0) return result.data;
  const issues = result.success ? [] : result.error.issues;
  throw new ConfigError([
    ...issues.map((issue) => {
      const name = issue.path.join(".") || "environment";
      const value = env[name];
      const secret = name.includes("TOKEN") || name.includes("KEY") || name.endsWith("_URL");
      const shown = value === undefined || secret ? "" : ` (got "${value}")`;
      return `${name} ${issue.message}${shown}`;
    }),
    ...crossField,
  ]);
}
