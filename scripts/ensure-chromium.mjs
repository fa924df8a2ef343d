// The dashboard tests drive a real Chromium (Debian's package; browsers cannot be downloaded
// here). Install it when it is missing and we may (root with apt-get); otherwise say how.
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";

const path = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (existsSync(path)) process.exit(0);
const root = typeof process.getuid === "function" && process.getuid() === 0;
if (root && existsSync("/usr/bin/apt-get")) {
  console.log("Installing Chromium for the dashboard tests (apt-get install chromium)...");
  execSync("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium", {
    stdio: "inherit",
  });
  process.exit(existsSync(path) ? 0 : 1);
}
console.error(`Chromium not found at ${path}: install Debian's chromium package or set CHROMIUM_PATH.`);
process.exit(1);
