import { CliUsageError, parseCliArguments, USAGE } from "./CliArguments.ts";
import { startFleetSim } from "./FleetSimServer.ts";

async function main(): Promise<void> {
  let command: ReturnType<typeof parseCliArguments>;
  try {
    command = parseCliArguments(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    process.stderr.write(`fleet-sim: ${error.message} (--help for usage)\n`);
    process.exitCode = 2;
    return;
  }
  if (command.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const { options } = command;
  const sim = await startFleetSim(options);
  process.stdout.write(
    `fleet-sim: ${options.hosts} hosts (seed ${options.seed ?? 1}, time x${options.timeScale ?? 1}) at ${sim.url}\n` +
      `fleet-sim: token ${sim.token}\n`,
  );
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`fleet-sim: ${signal}, shutting down\n`);
    sim.close().then(
      () => {
        process.exitCode = 0;
      },
      (error: unknown) => {
        process.stderr.write(`fleet-sim: error while closing: ${String(error)}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`fleet-sim: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
