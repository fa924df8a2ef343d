import { fileURLToPath } from "node:url";
import { bundleNodeEntry } from "../../../scripts/bundle-node.ts";
import { SERVER_NODE_FLAGS } from "../src/runtime/NodeFlags.ts";

/** Where `pnpm build:server` puts the bundle that `pnpm serve` runs. */
export const SERVER_BUNDLE = fileURLToPath(new URL("../dist/main.mjs", import.meta.url));
/** How `pnpm serve` runs it. */
export const SERVER_COMMAND = [process.execPath, ...SERVER_NODE_FLAGS, SERVER_BUNDLE] as const;

/**
 * Vitest global setup: builds the server bundle from the current sources once, before any test
 * file runs, so the tests that start real processes run what users run (and none of them reads a
 * bundle another is still writing).
 */
export default async function setup(): Promise<void> {
  await bundleNodeEntry(fileURLToPath(new URL("../src/main.ts", import.meta.url)), SERVER_BUNDLE);
}
