/**
 * Shared by the browser tests and the scripts (screenshots, bench): the built dashboard, a headless
 * Chromium, signing in, and a TCP proxy that can "take the server away" from the browser.
 */
import { existsSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

export const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Builds apps/web/dist with vite's own build() when it is missing (the server serves it at /). */
export async function ensureBuilt(): Promise<void> {
  if (existsSync(join(WEB_DIR, "dist", "index.html"))) return;
  const { build } = await import("vite");
  await build({ root: WEB_DIR, configFile: join(WEB_DIR, "vite.config.ts"), logLevel: "warn" });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/** Signs in through the form and waits for the live connection. */
export async function signIn(page: Page, baseUrl: string, token: string, path = "/"): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page.getByTestId("token-input").fill(token);
  await page.getByTestId("sign-in").click();
  await page.getByTestId("connection-label").filter({ hasText: "Live" }).waitFor();
}

export interface CuttableProxy {
  url: string;
  /** Drops every open connection and refuses new ones: to the browser, the server is gone. */
  cut(): void;
  /** Lets connections through again. */
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of the server. The browser only ever talks to the proxy, so the test can make
 * the server disappear (sockets reset, connections refused) and come back, the way a restart or a
 * network drop looks from the browser, without restarting the server or its in-memory database.
 */
export async function startCuttableProxy(targetUrl: string): Promise<CuttableProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("proxy has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    restore() {
      open = true;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
