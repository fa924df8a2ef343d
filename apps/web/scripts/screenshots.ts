/**
 * `npx tsx apps/web/scripts/screenshots.ts`: starts a test server with a demo fleet, signs in with
 * headless Chromium at 1280×800 and writes docs/screenshots/overview.png, device.png,
 * bulk-message.png and alerts.png (under apps/web) for the README.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ADMIN_TOKEN, gql, SyncNow, startTestServer } from "../../server/test/testkit.ts";
import { ensureBuilt, launchBrowser, signIn, WEB_DIR } from "../e2e/support.ts";

const out = join(WEB_DIR, "docs", "screenshots");
mkdirSync(out, { recursive: true });
await ensureBuilt();

const server = await startTestServer({ hosts: 2000 });
const browser = await launchBrowser();
try {
  await server.request(SyncNow);
  const sim = server.app.runtime.sim;
  if (!sim) throw new Error("no simulator");
  // Some history for the chart: a few rounds of changes before the dashboard opens.
  for (let i = 0; i < 3; i++) {
    sim.model.mutate(0.02);
    await server.request(SyncNow);
  }
  // An APNs certificate close to expiry shows the banner.
  const soon = new Date(Date.now() + 12 * 86_400_000).toISOString();
  await server.request(
    gql<unknown, { at: string }>(
      `mutation($at: DateTime) { updateSettings(input: { apnsCertificateExpiresAt: $at }) { __typename } }`,
    ),
    { at: soon },
  );

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, server.url, ADMIN_TOKEN);
  await page.getByText("replaying history").waitFor({ state: "detached" });
  // Live transitions while the page is open fill the activity list and move the cards.
  sim.model.mutate(0.01);
  await server.request(SyncNow);
  await page.locator("[data-testid=activity] li").first().waitFor();
  // The summary subscription is coalesced (at most 4 per second): wait for the cards to move.
  await page.locator("[data-testid=change]").filter({ hasNotText: "±0" }).first().waitFor();
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(out, "overview.png"), fullPage: true });

  const { devices } = await server.request(
    gql<{ devices: { edges: { node: { id: string } }[] } }>(
      `{ devices(first: 1, filter: { status: [MDM_PROFILE_MISSING] }) { edges { node { id } } } }`,
    ),
  );
  const id = devices.edges[0]?.node.id;
  if (!id) throw new Error("no device with a missing MDM profile");
  await page.goto(`${server.url}/devices/${encodeURIComponent(id)}`);
  await page.getByTestId("why").waitFor();
  await page.getByTestId("timeline").waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, "device.png"), fullPage: true });

  // Messaging the owners of a filtered list: the plan before anything is sent.
  await page.goto(`${server.url}/devices?status=AGENT_INACTIVE,PARTIALLY_ENROLLED,OFFLINE`);
  await page.getByTestId("bulk-message").click();
  await page.getByTestId("bulk-message-sample").waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, "bulk-message.png"), fullPage: false });
  await page.getByRole("button", { name: "Cancel" }).click();

  // The triage queue: a rule with no grace period opens alerts for what is broken now.
  await server.request(
    gql(
      `mutation { createAlertRule(input: { name: "Any problem now", severity: LOW, statuses: [AGENT_INACTIVE, PARTIALLY_ENROLLED] }) { __typename } }`,
    ),
  );
  await page.goto(`${server.url}/alerts`);
  await page.getByTestId("alert-row").first().waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, "alerts.png"), fullPage: false });
  console.log(`wrote overview.png, device.png, bulk-message.png and alerts.png in ${out}`);
} finally {
  await browser.close();
  await server.stop();
}
