/**
 * The simulated Fleet server for the benchmark, in its own process so that neither its CPU time
 * nor its memory is charged to the sync being measured. Started by scripts/bench.ts; argv: hosts.
 */
import { startFleetSim } from "../../packages/fleet-sim/src/index.ts";
import type { SimCommands, SimReadyInfo } from "./protocol.ts";
import { describe, serveCommands } from "./serve.ts";

/** Fixed so every run, and every machine, serves the very same fleet. */
const START_TIME = new Date("2026-06-01T12:00:00Z");

async function main(): Promise<void> {
  const hosts = Number(process.argv[2]);
  // "live": the clock runs from now, as the server's built-in demo simulator does (the server
  // judges statuses against its own clock); default: frozen, for the sync benchmark.
  const live = process.argv[3] === "live";
  const started = performance.now();
  // Frozen clock: the fleet does not drift between the measured requests, so a re-sync sees
  // exactly the hosts `mutate` changed. The simulator serves pages of up to 10,000 hosts.
  const sim = await startFleetSim(
    live ? { hosts, seed: 1, timeScale: 1 } : { hosts, seed: 1, manualClock: true, startTime: START_TIME },
  );
  const ready: SimReadyInfo = {
    url: sim.url,
    token: sim.token,
    now: sim.clock.now(),
    hosts: sim.model.size,
    buildMs: performance.now() - started,
  };
  await serveCommands<SimCommands, SimReadyInfo>({
    name: "fleet-sim",
    ready,
    handlers: {
      mutate: async ({ fraction }) => ({ changed: sim.model.mutate(fraction).length }),
      breakHealthy: async ({ count, state }) => ({ broken: sim.model.breakHealthy(count, state).length }),
      advance: async ({ ms }) => {
        sim.clock.advance(ms);
        return { now: sim.clock.now() };
      },
    },
    cleanup: () => sim.close(),
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`fleet-sim: ${describe(error)}\n`);
  process.exit(1);
});
