/**
 * The alerts triage queue in real Chromium against the real server (embedded simulator, PGlite in
 * memory), served from apps/web/dist. A macOS host loses its MDM profile in the simulator; the next
 * sync makes it MDM_PROFILE_MISSING, and the seeded rule "MDM profile missing" (HIGH, no grace
 * period) opens an alert, which must reach the open page by itself.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, gql, SyncNow, startTestServer, type TestServer } from "../../server/test/testkit.ts";
import { ensureBuilt, launchBrowser, signIn } from "./support.ts";

interface AlertInfo {
  id: string;
  state: string;
  device: { id: string; fleetHostId: number };
}

const OpenAlerts = gql<{ alerts: { edges: { node: AlertInfo }[] } }>(
  `{ alerts(filter: { state: [OPEN] }, first: 500) { edges { node { id state device { id fleetHostId } } } } }`,
);
const Summary = gql<{ alertSummary: { open: number } }>("{ alertSummary { open } }");
const Rules = gql<{ alertRules: { name: string; gracePeriodHours: number }[] }>(
  "{ alertRules { name gracePeriodHours } }",
);

let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  await ensureBuilt();
  // Loopback webhook targets are allowed here (nothing listens on port 9: deliveries just fail).
  server = await startTestServer({ hosts: 40, env: { WEBHOOK_ALLOW_PRIVATE: "true" } });
  await server.request(SyncNow);
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // Fail a step well within the test's own timeout, so the report names the step.
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  page.on("pageerror", (error) => console.error("page error:", error));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Removes the MDM profile of one healthy macOS host with an owner and syncs: one new alert. */
async function breakOneMac(): Promise<AlertInfo> {
  const sim = server.app.runtime.sim;
  if (!sim) throw new Error("no simulator");
  const before = new Set((await server.request(OpenAlerts)).alerts.edges.map((e) => e.node.device.fleetHostId));
  const host = sim.model.hostIds().find((id) => {
    const p = sim.model.profile(id);
    return (
      p?.platform === "darwin" &&
      p.mdm &&
      p.owner &&
      !sim.model.isPurged(id) &&
      sim.model.stateOf(id) === "HEALTHY" &&
      !before.has(id)
    );
  });
  if (host === undefined) throw new Error("no healthy Mac left");
  sim.model.setState(host, "PROFILE_REMOVED");
  const result = await server.request(SyncNow);
  expect(result.syncNow).toMatchObject({ __typename: "MutationSyncNowSuccess" });
  const opened = (await server.request(OpenAlerts)).alerts.edges
    .map((e) => e.node)
    .find((a) => a.device.fleetHostId === host);
  if (!opened) throw new Error(`no alert opened for host ${host}`);
  return opened;
}

async function navCount(): Promise<number> {
  return Number(await page.getByTestId("nav-alert-count").getAttribute("data-count"));
}

describe("alerts", () => {
  it("shows a new alert without a reload, updates the nav count, and acknowledges it in place", async () => {
    await signIn(page, server.url, ADMIN_TOKEN, "/alerts");
    await page.getByTestId("alerts-total").filter({ hasNotText: "Loading" }).waitFor();
    await expect.poll(navCount).toBe((await server.request(Summary)).alertSummary.open);
    // Marks the document: a reload would drop it.
    await page.evaluate(() => {
      (window as unknown as { __noReload: boolean }).__noReload = true;
    });

    const alert = await breakOneMac();
    const row = page.locator(`[data-testid=alert-row][data-alert-id="${alert.id}"]`);
    await row.waitFor();
    expect(await row.getByTestId("alert-state").getAttribute("data-state")).toBe("OPEN");
    expect(await row.textContent()).toContain("MDM profile missing");
    await expect.poll(navCount).toBe((await server.request(Summary)).alertSummary.open);
    const openBefore = await navCount();

    await row.getByTestId("alert-ack").click();
    await page.getByTestId("triage-note").fill("Called the owner");
    await page.getByTestId("confirm").click();
    await page.getByTestId("triage-result").filter({ hasText: "Acknowledged" }).waitFor();
    await expect.poll(() => row.getByTestId("alert-state").getAttribute("data-state")).toBe("ACKNOWLEDGED");
    expect(await row.textContent()).toContain("Called the owner");
    await expect.poll(navCount).toBe(openBefore - 1);

    // Snoozing the next one for a day: still in the default view, as SNOOZED.
    const second = await breakOneMac();
    const secondRow = page.locator(`[data-testid=alert-row][data-alert-id="${second.id}"]`);
    await secondRow.waitFor();
    await secondRow.getByTestId("alert-snooze").click();
    await page.getByTestId("snooze-3d").check();
    await page.getByTestId("confirm").click();
    await expect.poll(() => secondRow.getByTestId("alert-state").getAttribute("data-state")).toBe("SNOOZED");

    // Only open alerts: the acknowledged and snoozed ones leave the view.
    await page.getByTestId("filter-state-ACKNOWLEDGED").uncheck();
    await page.getByTestId("filter-state-SNOOZED").uncheck();
    await expect.poll(() => row.count()).toBe(0);
    expect(await secondRow.count()).toBe(0);

    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);

    // The device page lists the alert.
    await page.goto(`${server.url}/devices/${encodeURIComponent(alert.device.id)}`);
    const deviceAlerts = page.getByTestId("device-alerts");
    await deviceAlerts.locator(`tr[data-alert-id="${alert.id}"][data-state="ACKNOWLEDGED"]`).waitFor();
  });

  it("shows the server's refusal next to the field it names, and the client's checks before sending", async () => {
    await page.goto(`${server.url}/alerts/rules`);
    await page.getByTestId("rule-row").first().waitFor();
    await page.getByTestId("new-rule").click();
    const form = page.getByTestId("rule-form");

    // Checked in the browser: nothing is sent.
    await form.getByLabel("Name").fill("Too long a wait");
    await form.getByLabel("Grace period").fill("99999");
    await page.getByTestId("save-rule").click();
    await form.getByTestId("rule-error-gracePeriodHours").filter({ hasText: "between 0 and 8760 hours" }).waitFor();
    await form.getByTestId("rule-error-statuses").waitFor();
    expect(await form.getByLabel("Grace period").getAttribute("aria-invalid")).toBe("true");

    // Only the server knows the name is taken: its field error lands next to the name.
    await form.getByLabel("Name").fill("mdm PROFILE missing");
    await form.getByLabel("Grace period").fill("48");
    await form.getByLabel("MDM profile missing").check();
    await page.getByTestId("save-rule").click();
    await form.getByTestId("rule-error-name").filter({ hasText: "already exists" }).waitFor();
    expect(await form.getByTestId("rule-error-gracePeriodHours").count()).toBe(0);
    expect(await form.getByLabel("Name").getAttribute("aria-invalid")).toBe("true");

    await form.getByLabel("Name").fill("Profile missing 2+ days");
    await page.getByTestId("save-rule").click();
    await page.getByTestId("rule-result").filter({ hasText: "saved" }).waitFor();
    await page.locator("[data-testid=rule-row]", { hasText: "Profile missing 2+ days" }).waitFor();
    const saved = (await server.request(Rules)).alertRules.find((r) => r.name === "Profile missing 2+ days");
    expect(saved?.gracePeriodHours).toBe(48);
  });

  it("creates a webhook (secret shown once) and edits its URL and events in place", async () => {
    await page.goto(`${server.url}/alerts/rules`);
    const panel = page.getByTestId("webhooks");
    await panel.getByLabel("Name").fill("Ticketing");
    await panel.getByLabel("URL").fill("http://127.0.0.1:9/first");
    await page.getByTestId("create-webhook").click();
    await page.getByTestId("webhook-secret").filter({ hasText: "whsec_" }).waitFor();
    const row = page.locator("[data-testid=webhook-row]", { hasText: "Ticketing" });
    await row.filter({ hasText: "http://127.0.0.1:9/first" }).waitFor();

    await row.getByTestId("edit-webhook").click();
    expect(await panel.getByLabel("URL").inputValue()).toBe("http://127.0.0.1:9/first");
    await panel.getByLabel("URL").fill("http://127.0.0.1:9/second");
    await panel.getByLabel("Acknowledged").uncheck();
    await page.getByTestId("create-webhook").click();
    await page.getByTestId("webhook-result").filter({ hasText: "saved" }).waitFor();
    await row.filter({ hasText: "http://127.0.0.1:9/second" }).waitFor();
    const stored = await server.app.db.prisma.webhook.findFirstOrThrow({ where: { name: "Ticketing" } });
    expect(stored).toMatchObject({ url: "http://127.0.0.1:9/second", events: ["OPENED", "RESOLVED"] });
    // The form is back to creating, empty.
    expect(await panel.getByLabel("URL").inputValue()).toBe("");
    expect(
      await server.app.db.prisma.auditEntry.count({ where: { action: "webhook.update", target: stored.id } }),
    ).toBe(1);
  });
});
