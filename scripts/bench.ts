/**
 * `pnpm bench [scenario...] [--size N] [--runs R] [--db pglite|postgres] [--json path] [--strict] [--minutes M] [--sync-node-flags="..."]`
 *
 * Runs the named benchmark scenarios (all but `soak` when none is named), prints their figures as a table on
 * stdout, progress on stderr, and writes every raw number to a JSON file. Each run uses fresh child
 * processes (simulator, sync) so that what is measured is the sync process alone.
 * Exit status: 0 done, 1 a scenario failed (the measured thing misbehaved, or a child died),
 * 2 bad arguments; with --strict, 1 also when a figure missed its target.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ChildFailedError, stopAllChildren } from "./bench/children.ts";
import type { DbKind } from "./bench/protocol.ts";
import { figureTable, renderTable } from "./bench/report.ts";
import { BenchFailure, type ScenarioResult } from "./bench/scenario.ts";
import { SCENARIOS } from "./bench/scenarios.ts";

/** The simulator's own ceiling (MAX_HOSTS in packages/fleet-sim). */
const MAX_SIZE = 100_000;

const USAGE = `usage: tsx scripts/bench.ts [scenario...] [--size N] [--runs R] [--db pglite|postgres] [--json path] [--strict] [--minutes M] [--sync-node-flags="..."]
scenarios:
${SCENARIOS.map((s) => `  ${s.name.padEnd(8)} ${s.description}${s.explicitOnly ? " (only when named)" : ""}`).join("\n")}
options:
  --size N     simulated hosts (default 100000, at most ${MAX_SIZE})
  --runs R     repetitions, each with fresh processes (default 3)
  --db KIND    pglite (in-memory, default) or postgres (a fresh database on TEST_POSTGRES_ADMIN_URL, dropped after)
  --json PATH  where to write the raw results (default .bench/results.json)
  --minutes M  load duration of the soak scenario (default 10)
  --strict     exit 1 when a figure misses its target
  --sync-node-flags="FLAGS"
               node flags for the measured sync process only (diagnosis), e.g. --sync-node-flags="--max-old-space-size=256"`;

class UsageError extends Error {}

interface Options {
  scenarios: string[];
  size: number;
  runs: number;
  db: DbKind;
  json: string;
  strict: boolean;
  minutes: number;
  syncNodeFlags: string[];
}

function parseOptions(argv: string[]): Options | "help" {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  const known = new Set(SCENARIOS.map((s) => s.name));
  for (const name of positionals) {
    if (!known.has(name)) throw new UsageError(`unknown scenario "${name}" (known: ${[...known].join(", ")})`);
  }
  const db = values.db ?? "pglite";
  if (db !== "pglite" && db !== "postgres") throw new UsageError(`--db must be pglite or postgres, not "${db}"`);
  return {
    scenarios:
      positionals.length > 0 ? [...new Set(positionals)] : SCENARIOS.filter((s) => !s.explicitOnly).map((s) => s.name),
    size: wholeNumber("--size", values.size ?? "100000", 1, MAX_SIZE),
    runs: wholeNumber("--runs", values.runs ?? "3", 1, 100),
    db,
    json: values.json ?? ".bench/results.json",
    strict: values.strict ?? false,
    minutes: wholeNumber("--minutes", values.minutes ?? "10", 1, 24 * 60),
    syncNodeFlags: (values["sync-node-flags"] ?? "").split(/\s+/).filter((f) => f !== ""),
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      size: { type: "string" },
      runs: { type: "string" },
      db: { type: "string" },
      json: { type: "string" },
      strict: { type: "boolean" },
      minutes: { type: "string" },
      "sync-node-flags": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = Number(text.replaceAll("_", ""));
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
  };
}

async function main(): Promise<number> {
  let options: Options | "help";
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const startedAt = new Date();
  const results: Record<string, ScenarioResult> = {};
  for (const name of options.scenarios) {
    const scenario = SCENARIOS.find((s) => s.name === name);
    if (!scenario) continue;
    progress(`${name}: ${options.runs} run(s) of ${options.size} hosts on ${options.db}`);
    results[name] = await scenario.run({
      size: options.size,
      runs: options.runs,
      db: options.db,
      syncNodeFlags: options.syncNodeFlags,
      minutes: options.minutes,
      progress,
    });
  }

  const env = machine();
  process.stdout.write(
    `\nEnrollwatch bench — ${options.size} hosts, ${options.runs} run(s), db ${options.db}, ` +
      `${env.cpus}× ${env.cpuModel}, node ${env.node}` +
      (options.syncNodeFlags.length > 0 ? `, sync flags ${options.syncNodeFlags.join(" ")}` : "") +
      "\n",
  );
  for (const [name, result] of Object.entries(results)) {
    process.stdout.write(`\n${renderTable(figureTable(`scenario ${name}`, result.figures))}\n`);
    for (const table of result.details) process.stdout.write(`\n${renderTable(table)}\n`);
  }

  const jsonPath = resolve(process.cwd(), options.json);
  mkdirSync(dirname(jsonPath), { recursive: true });
  const report = {
    date: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: env,
    db: options.db,
    size: options.size,
    runs: options.runs,
    syncNodeFlags: options.syncNodeFlags,
    scenarios: Object.fromEntries(
      Object.entries(results).map(([name, r]) => [name, { figures: r.figures, raw: r.raw }]),
    ),
  };
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\nraw results: ${jsonPath}\n`);

  const missed = Object.values(results).some((r) => r.figures.some((f) => f.verdict === "MISSED"));
  return options.strict && missed ? 1 : 0;
}

// Ctrl-C or a CI timeout: close the children (dropping PostgreSQL databases) before leaving.
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    interrupted = true;
    progress(`${signal}: stopping child processes`);
    void stopAllChildren(10_000).finally(() => process.exit(130));
  });
}

main()
  .catch((error: unknown) => {
    if (interrupted) return 130;
    // Expected failures get one line; anything else is a bug in the bench and keeps its stack.
    if (error instanceof BenchFailure || error instanceof ChildFailedError) {
      process.stderr.write(`bench: FAILED: ${error.message}\n`);
    } else {
      process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    return 1;
  })
  .then(async (code) => {
    // Normally every child is closed already; after an error some may still be running.
    await stopAllChildren(10_000);
    // Explicit: nothing left behind (a stray handle) may keep the command from ending.
    process.exit(code);
  });
