import { parseArgs } from "node:util";
import { type FleetSimOptions, MAX_HOSTS } from "./FleetSimServer.ts";

export const MIN_CLI_HOSTS = 10;

export const USAGE = `Usage: fleet-sim [--hosts N] [--port P] [--host ADDR] [--seed S] [--time-scale X] [--token T] [--start-time ISO]
  --hosts       simulated devices, ${MIN_CLI_HOSTS}..${MAX_HOSTS} (default 1000)
  --port        TCP port, 0 for any free port (default 8080)
  --host        interface to listen on (default 127.0.0.1)
  --seed        fleet seed, same seed = same fleet (default 1)
  --time-scale  virtual seconds per real second (default 1)
  --token       API token clients must send (default: random, printed at start)
  --start-time  virtual start time, e.g. 2026-01-01T00:00:00Z (default: now)`;

export class CliUsageError extends Error {}

export type CliCommand = { help: true } | { help: false; options: FleetSimOptions };

/** Parses and validates argv (without node and script); throws CliUsageError with a one-line message. */
export function parseCliArguments(argv: readonly string[]): CliCommand {
  // `pnpm fleet-sim -- --hosts 10` forwards the separator too.
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        hosts: { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        seed: { type: "string" },
        "time-scale": { type: "string" },
        token: { type: "string" },
        "start-time": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    throw new CliUsageError(firstLine(error instanceof Error ? error.message : String(error)));
  }
  if (values.help) return { help: true };

  const hosts = integerOption(values.hosts, "--hosts", 1000);
  if (hosts < MIN_CLI_HOSTS || hosts > MAX_HOSTS) {
    throw new CliUsageError(`--hosts must be between ${MIN_CLI_HOSTS} and ${MAX_HOSTS}, got ${hosts}`);
  }
  const port = integerOption(values.port, "--port", 8080);
  if (port < 0 || port > 65_535) throw new CliUsageError(`--port must be between 0 and 65535, got ${port}`);
  const seed = integerOption(values.seed, "--seed", 1);
  if (seed < 0 || seed > 0xffff_ffff) throw new CliUsageError(`--seed must be between 0 and 4294967295, got ${seed}`);

  const options: FleetSimOptions = { hosts, port, seed };
  const scaleText = stringOption(values["time-scale"]);
  if (scaleText !== undefined) {
    const scale = Number(scaleText);
    if (scaleText.trim() === "" || !Number.isFinite(scale) || scale <= 0 || scale > 1_000_000) {
      throw new CliUsageError(`--time-scale must be a number above 0 and at most 1000000, got "${scaleText}"`);
    }
    options.timeScale = scale;
  }
  const host = stringOption(values.host);
  if (host !== undefined) {
    if (host.trim() === "") throw new CliUsageError("--host must not be empty");
    options.host = host;
  }
  const token = stringOption(values.token);
  if (token !== undefined) {
    if (!/^\S+$/.test(token)) throw new CliUsageError("--token must be non-empty and contain no spaces");
    options.token = token;
  }
  const startText = stringOption(values["start-time"]);
  if (startText !== undefined) {
    const start = new Date(startText);
    if (Number.isNaN(start.getTime())) throw new CliUsageError(`--start-time is not a date: "${startText}"`);
    options.startTime = start;
  }
  return { help: false, options };
}

function stringOption(value: string | boolean | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function integerOption(value: string | boolean | undefined, name: string, fallback: number): number {
  const text = stringOption(value);
  if (text === undefined) return fallback;
  if (!/^-?\d+$/.test(text.trim())) throw new CliUsageError(`${name} must be a whole number, got "${text}"`);
  return Number(text);
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
