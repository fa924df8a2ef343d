/**
 * The dashboard in real Chromium against the real server (embedded simulator, PGlite in memory),
 * served from apps/web/dist as in production. The browser reaches the server through a TCP proxy,
 * so a test can take the server away and bring it back without restarting it.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, gql, SyncNow, startTestServer, type TestServer } from "../../server/test/testkit.ts";
import { type CuttableProxy, ensureBuilt, launchBrowser, signIn, startCuttableProxy } from "./support.ts";

const STATUSES = [
  "ENROLLED",
  "PARTIALLY_ENROLLED",
  "AGENT_INACTIVE",
  "MDM_PROFILE_MISSING",
  "OFFLINE",
  "UNENROLLED",
] as const;

interface DeviceInfo {
  id: string;
  name: string;
  fleetHostId: number;
  status: string;
  owner: { email: string } | null;
}

const Summary = gql<{ statusSummary: { total: number; counts: { status: string; count: number }[] } }>(
  "{ statusSummary { total counts { status count } } }",
);
const Devices = gql<{ devices: { edges: { node: DeviceInfo }[] } }>(
  "{ devices(first: 500) { edges { node { id name fleetHostId status owner { email } } } } }",
);
const SettingsQuery = gql<{ settings: { syncIntervalMinutes: number; offlineAfterDays: number } }>(
  "{ settings { syncIntervalMinutes offlineAfterDays } }",
);

let server: TestServer;
let proxy: CuttableProxy;
let browser: Browser;
let admin: BrowserContext;
let page: Page;
let viewerToken: string;

beforeAll(async () => {
  await ensureBuilt();
  server = await startTestServer({ hosts: 60 });
  await server.request(SyncNow);
  viewerToken = await server.createToken("VIEWER");
  proxy = await startCuttableProxy(server.url);
  browser = await launchBrowser();
  admin = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // Fail a step well within the test's own timeout, so the report names the step.
  admin.setDefaultTimeout(10_000);
  page = await admin.newPage();
  // An uncaught error in the page fails the suite loudly rather than as a mysterious timeout.
  page.on("pageerror", (error) => console.error("page error:", error));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await server?.stop();
});

async function devices(): Promise<DeviceInfo[]> {
  return (await server.request(Devices)).devices.edges.map((e) => e.node);
}

/** Flips `count` Apple devices that have an owner between HEALTHY and PROFILE_REMOVED, then syncs. */
async function produceTransitions(count: number, skip: Set<number> = new Set()): Promise<DeviceInfo[]> {
  const sim = server.app.runtime.sim;
  if (!sim) throw new Error("no simulator");
  const ids: number[] = [];
  for (const id of sim.model.hostIds()) {
    if (ids.length === count) break;
    const p = sim.model.profile(id);
    if (p?.platform !== "darwin" || !p.mdm || !p.owner || skip.has(id) || sim.model.isPurged(id)) continue;
    sim.model.setState(id, sim.model.stateOf(id) === "PROFILE_REMOVED" ? "HEALTHY" : "PROFILE_REMOVED");
    ids.push(id);
  }
  const result = await server.request(SyncNow);
  expect(result.syncNow).toMatchObject({ __typename: "MutationSyncNowSuccess" });
  const all = await devices();
  return ids.map((id) => {
    const d = all.find((x) => x.fleetHostId === id);
    if (!d) throw new Error(`no device for host ${id}`);
    return d;
  });
}

async function cardCounts(p: Page): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const status of STATUSES) {
    const text = await p.getByTestId(`card-${status}`).getByTestId("count").textContent();
    counts[status] = Number((text ?? "").replaceAll(",", ""));
  }
  return counts;
}

async function serverCounts(): Promise<Record<string, number>> {
  const { statusSummary } = await server.request(Summary);
  return Object.fromEntries(statusSummary.counts.map((c) => [c.status, c.count]));
}

/** Waits until the cards show exactly what the server's statusSummary query says. */
async function expectCardsToMatchServer(p: Page): Promise<void> {
  await expect
    .poll(async () => JSON.stringify(await cardCounts(p)), { timeout: 10_000 })
    .toBe(JSON.stringify(await serverCounts()));
}

describe("dashboard", () => {
  it("signs in with an API token and shows cards that match the statusSummary query", async () => {
    await page.goto(proxy.url);
    await page.getByTestId("token-input").fill("not-a-real-token-at-all");
    await page.getByTestId("sign-in").click();
    await page.getByText("This token is unknown or has been revoked.").waitFor();

    await signIn(page, proxy.url, ADMIN_TOKEN);
    await page.getByTestId("role").filter({ hasText: "Admin" }).waitFor();
    await page.getByTestId("card-ENROLLED").getByTestId("count").waitFor();
    await expectCardsToMatchServer(page);
    const total = Object.values(await cardCounts(page)).reduce((a, b) => a + b, 0);
    expect(total).toBe(60);
  });

  it("shows a transition made in the simulator without a reload, in the cards, the feed and the table", async () => {
    const [changed] = await produceTransitions(1);
    if (!changed) throw new Error("nothing changed");
    await page.locator(`[data-testid=activity] li[data-device-id="${changed.id}"]`).first().waitFor();
    await expectCardsToMatchServer(page);

    // A card opens the device list filtered to its status.
    await page.getByTestId(`card-${changed.status}`).click();
    await page.waitForURL(/\/devices\?status=/);
    const row = page.locator(`tr[data-device-id="${changed.id}"]`);
    await row.waitFor();
    // The same device changes back: its row updates in place, highlighted, without a reload.
    const [back] = await produceTransitions(1);
    expect(back?.id).toBe(changed.id);
    await expect.poll(() => row.getAttribute("data-status")).toBe(back?.status);
    expect(await row.getAttribute("class")).toMatch(/flash-|stale/);
  });

  it("explains a device's status on its page, and its actions show up in the outbox and timeline", async () => {
    const [device] = await produceTransitions(1);
    if (!device) throw new Error("nothing changed");
    const target = device.status === "MDM_PROFILE_MISSING" ? device : (await produceTransitions(1))[0];
    if (!target) throw new Error("nothing changed");
    expect(target.status).toBe("MDM_PROFILE_MISSING");

    await page.goto(`${proxy.url}/devices/${encodeURIComponent(target.id)}`);
    await page.getByTestId("device-status").filter({ hasText: "MDM profile missing" }).waitFor();
    const why = page.getByTestId("why");
    await expect.poll(() => why.locator("[data-likely=true]").count()).toBeGreaterThan(0);
    expect(await why.getByTestId("remediation").first().textContent()).toContain("Installation on macOS");
    expect(await page.getByTestId("facts").textContent()).toContain("macOS");

    // Send the macOS profile guide: confirm, see the typed result, see it in the device's outbox.
    await page.getByTestId("action-MACOS_PROFILE_GUIDE").click();
    await page.getByTestId("confirm").click();
    await page.getByTestId("action-result").filter({ hasText: "macOS profile guide queued" }).waitFor();
    await page.getByTestId("device-messages").locator('tr[data-kind="MACOS_PROFILE_GUIDE"]').waitFor();
    await page.getByTestId("device-activity").getByText("Message sent to the owner").first().waitFor();

    // Unenrol: the transition appears in the timeline (via the live feed and the refresh).
    await page.getByTestId("action-UNENROLL").click();
    await page.getByTestId("confirm").click();
    await page.getByTestId("action-result").filter({ hasText: "now unenrolled" }).waitFor();
    await page.getByTestId("device-status").filter({ hasText: "Unenrolled" }).waitFor();
    await page.getByTestId("timeline").getByText("Unenrolled").first().waitFor();
    // Unenrolling again is refused with the server's own message.
    expect(await page.getByTestId("action-UNENROLL").isDisabled()).toBe(true);
  });

  it("saves a setting, and shows an invalid one's error next to its field", async () => {
    await page.goto(`${proxy.url}/settings`);
    const interval = page.getByLabel("Sync with Fleet every");
    await interval.fill("45");
    await page.getByTestId("save-settings").click();
    await page.getByTestId("settings-message").filter({ hasText: "Settings saved." }).waitFor();
    expect((await server.request(SettingsQuery)).settings.syncIntervalMinutes).toBe(45);

    await page.getByLabel("Offline after").fill("40");
    await page.getByTestId("save-settings").click();
    const error = page.getByTestId("error-autoUnenrollAfterDays");
    await error.waitFor();
    expect(await error.textContent()).toContain("must be greater than the offline threshold (40 days)");
    expect(await page.getByLabel("Unenrol devices offline for more than").getAttribute("aria-invalid")).toBe("true");
    expect((await server.request(SettingsQuery)).settings.offlineAfterDays).toBe(7);
  });

  it("shows a VIEWER no action buttons", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const viewer = await context.newPage();
      await signIn(viewer, proxy.url, viewerToken);
      await viewer.getByTestId("role").filter({ hasText: "Viewer" }).waitFor();
      await viewer.getByTestId("sync-panel").waitFor();
      expect(await viewer.getByTestId("sync-now").count()).toBe(0);
      const [device] = await devices();
      await viewer.goto(`${proxy.url}/devices/${encodeURIComponent(device?.id ?? "")}`);
      await viewer.getByTestId("why").waitFor();
      expect(await viewer.getByTestId("device-actions").count()).toBe(0);
      expect(await viewer.locator("[data-testid^=action-]").count()).toBe(0);
      await viewer.goto(`${proxy.url}/settings`);
      await viewer.getByText("Read-only: changing settings needs an ADMIN token.").waitFor();
      expect(await viewer.getByTestId("save-settings").isDisabled()).toBe(true);
    } finally {
      await context.close();
    }
  });

  it("shows reconnecting while the server is away, then live, with the missed events exactly once", async () => {
    await page.goto(proxy.url);
    await page.getByTestId("connection-label").filter({ hasText: "Live" }).waitFor();
    const before = await produceTransitions(2);
    for (const d of before) await page.locator(`[data-testid=activity] li[data-device-id="${d.id}"]`).first().waitFor();

    proxy.cut();
    await page.getByTestId("connection-label").filter({ hasText: "Reconnecting" }).waitFor({ timeout: 10_000 });
    // Transitions while the dashboard cannot hear them.
    const missed = await produceTransitions(3, new Set(before.map((d) => d.fleetHostId)));
    await page.waitForTimeout(1_500);
    proxy.restore();
    await page.getByTestId("connection-label").filter({ hasText: "Live" }).waitFor({ timeout: 20_000 });

    for (const d of missed) {
      await page.locator(`[data-testid=activity] li[data-device-id="${d.id}"]`).first().waitFor();
    }
    const seqs = (await page
      .locator("[data-testid=activity] li")
      .evaluateAll((items) => items.map((li) => Number(li.getAttribute("data-seq"))))) as number[];
    // Newest first, each seq once, no gap: nothing missed, nothing shown twice.
    expect(new Set(seqs).size).toBe(seqs.length);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i - 1]).toBe((seqs[i] ?? 0) + 1);
    expect(seqs.length).toBeGreaterThanOrEqual(5);
    await expectCardsToMatchServer(page);
  });
});
