import type { DbKind } from "./protocol.ts";
import type { FigureRow, Table } from "./report.ts";

export interface ScenarioContext {
  size: number;
  runs: number;
  db: DbKind;
  /** Extra node flags for the measured process only (diagnosis, e.g. --max-old-space-size=256). */
  syncNodeFlags: string[];
  /** Load duration in minutes for long-running scenarios (soak); `--minutes`. */
  minutes: number;
  /** One progress line on stderr; stdout is reserved for the result tables. */
  progress(message: string): void;
}

export interface ScenarioResult {
  /** The figures with their targets and verdicts; printed first. */
  figures: FigureRow[];
  /** Further tables (breakdowns) printed after the figures. */
  details: Table[];
  /** Every raw number, for the JSON file. */
  raw: unknown;
}

/**
 * A named benchmark. A new one is a module exporting a Scenario, added to SCENARIOS below.
 * `run` throws BenchFailure when the thing measured did not do its job (wrong counts, failed
 * sync): such a run has no figures worth reporting.
 */
export interface Scenario {
  name: string;
  description: string;
  /** Run only when named on the command line, never as part of "all scenarios" (long runs). */
  explicitOnly?: boolean;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}

export class BenchFailure extends Error {
  override readonly name = "BenchFailure";
}
