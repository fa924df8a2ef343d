import { apiScenario } from "./apiScenario.ts";
import { fanoutScenario } from "./fanoutScenario.ts";
import type { Scenario } from "./scenario.ts";
import { syncScenario } from "./syncScenario.ts";

/** Every scenario `bench.ts` can run, by name; with no name given, all of them in this order. */
export const SCENARIOS: readonly Scenario[] = [syncScenario, apiScenario, fanoutScenario];
