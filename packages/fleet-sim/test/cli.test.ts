import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CliUsageError, parseCliArguments } from "../src/index.ts";

const packageDir = fileURLToPath(new URL("..", import.meta.url));

function runCli(args: string[]): ChildProcess {
  // node --import tsx resolves tsx from the workspace root; npx could try the network from here.
  return spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
    cwd: packageDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

async function finish(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  return { code, stdout, stderr };
}

describe("CLI arguments", () => {
  it("parses valid options", () => {
    expect(
      parseCliArguments([
        "--",
        "--hosts",
        "5000",
        "--port",
        "0",
        "--seed",
        "9",
        "--time-scale",
        "60",
        "--token",
        "T",
        "--start-time",
        "2026-01-01T00:00:00Z",
      ]),
    ).toEqual({
      help: false,
      options: {
        hosts: 5000,
        port: 0,
        seed: 9,
        timeScale: 60,
        token: "T",
        startTime: new Date("2026-01-01T00:00:00Z"),
      },
    });
    expect(parseCliArguments([])).toEqual({ help: false, options: { hosts: 1000, port: 8080, seed: 1 } });
    expect(parseCliArguments(["--help"])).toEqual({ help: true });
  });

  it.each([
    [["--hosts", "5"], /--hosts must be between 10 and 100000/],
    [["--hosts", "100001"], /--hosts must be between 10 and 100000/],
    [["--hosts", "ten"], /--hosts must be a whole number/],
    [["--port", "70000"], /--port must be between 0 and 65535/],
    [["--seed=-1"], /--seed must be between/],
    [["--seed", "-1"], /ambiguous/],
    [["--time-scale", "0"], /--time-scale must be a number above 0/],
    [["--token", ""], /--token must be non-empty/],
    [["--start-time", "yesterday"], /--start-time is not a date/],
    [["--bogus"], /bogus/],
    [["extra"], /extra/],
  ])("rejects %j", (args, message) => {
    expect(() => parseCliArguments(args)).toThrow(CliUsageError);
    expect(() => parseCliArguments(args)).toThrow(message);
  });
});

describe("CLI process", () => {
  it("exits 2 with a one-line message on bad arguments", async () => {
    const results = await Promise.all([finish(runCli(["--hosts", "5"])), finish(runCli(["--hosts", "100", "--nope"]))]);
    for (const { code, stderr, stdout } of results) {
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr.trim().split("\n")).toHaveLength(1);
      expect(stderr).toMatch(/^fleet-sim: /);
    }
    expect(results[0]?.stderr).toMatch(/--hosts must be between 10 and 100000, got 5/);
  });

  it("prints its URL and token, serves the fleet and stops cleanly on SIGTERM", async () => {
    const child = runCli(["--hosts", "25", "--port", "0", "--token", "cli-token", "--seed", "3"]);
    const done = finish(child);
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (match?.[1] && out.includes("token cli-token")) resolve(match[1]);
      });
      child.on("close", () => reject(new Error(`CLI exited early: ${out}`)));
    });
    const res = await fetch(`${url}/api/v1/fleet/hosts/count`, { headers: { authorization: "Bearer cli-token" } });
    expect(await res.json()).toEqual({ count: 25 });
    child.kill("SIGTERM");
    const { code, stdout } = await done;
    expect(code).toBe(0);
    expect(stdout).toMatch(/SIGTERM, shutting down/);
  });
});
