import { alertsScenario } from "./alertsScenario.ts";
import { apiScenario } from "./apiScenario.ts";
import { fanoutScenario } from "./fanoutScenario.ts";
import type { Scenario } from "./scenario.ts";
import { soakScenario } from "./soakScenario.ts";
import { syncScenario } from "./syncScenario.ts";

/** Every scenario `bench.ts` can run, by name; with no name given, all but the `explicitOnly` ones, in this order. */
export const SCENARIOS: readonly Scenario[] = [syncScenario, apiScenario, fanoutScenario, alertsScenario, soakScenario];
