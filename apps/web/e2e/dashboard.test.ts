/**
 * The dashboard in real Chromium against the real server (embedded simulator, PGlite in memory),
 * served from apps/web/dist as in production. The browser reaches the server through a TCP proxy,
 * so a test can take the server away and bring it back without restarting it.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
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
const PlanQuery = gql<{ bulkRemediationPlan: { messages: number; recipients: number } }, { filter: unknown }>(
  "query($filter: DeviceFilter) { bulkRemediationPlan(filter: $filter) { messages recipients } }",
);
const Unenroll = gql<{ unenrollDevice: { __typename: string } }, { id: string }>(
  "mutation($id: ID!) { unenrollDevice(deviceId: $id) { __typename } }",
);

const MessagedDevice = gql<{ outboundMessages: { device: { id: string } | null }[] }>(
  "{ outboundMessages(first: 1) { device { id } } }",
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

/** yyyy-mm-dd of an instant in local time: the browser runs on the same machine, in the same zone. */
function localDay(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

/** The audit page's count line. */
function entries(count: number): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? "entry" : "entries"}`;
}

/**
 * What sticks out past the right edge of the window: empty when the page is no wider than the
 * viewport; otherwise the outermost elements that overflow, named so a failure says what to fix.
 */
async function overflow(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    if (document.documentElement.scrollWidth <= window.innerWidth) return [];
    const wide = [...document.querySelectorAll<HTMLElement>("body *")].filter(
      (el) => el.getBoundingClientRect().right > window.innerWidth + 1,
    );
    const outermost = wide.filter((el) => !wide.some((other) => other !== el && other.contains(el)));
    return [
      `page ${document.documentElement.scrollWidth} px wide in a ${window.innerWidth} px window`,
      ...outermost.map(
        (el) => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`,
      ),
    ];
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
    // The test server has no SMTP: the activity says the message was queued, not that it was sent.
    const activity = page.getByTestId("device-activity");
    await activity
      .getByText(/Message to the owner queued/)
      .first()
      .waitFor();
    expect(await activity.getByText("Message sent to the owner").count()).toBe(0);
    // With a message in its table, the page still fits a 1280-px laptop: the table scrolls in its panel.
    expect(await overflow(page)).toEqual([]);

    // Unenrol: the transition appears in the timeline (via the live feed and the refresh).
    await page.getByTestId("action-UNENROLL").click();
    await page.getByTestId("confirm").click();
    await page.getByTestId("action-result").filter({ hasText: "now unenrolled" }).waitFor();
    await page.getByTestId("device-status").filter({ hasText: "Unenrolled" }).waitFor();
    await page.getByTestId("timeline").getByText("Unenrolled").first().waitFor();
    // Unenrolling again is refused with the server's own message.
    expect(await page.getByTestId("action-UNENROLL").isDisabled()).toBe(true);
  });

  it("fits every page in a 390-px-wide phone: the nav wraps, fields stack, tables scroll in place", async () => {
    const { outboundMessages } = await server.request(MessagedDevice);
    const messaged = outboundMessages[0]?.device?.id;
    if (!messaged) throw new Error("no device has a message (the test above sends one)");
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    context.setDefaultTimeout(10_000);
    try {
      const phone = await context.newPage();
      await signIn(phone, proxy.url, ADMIN_TOKEN);
      const pages: [string, string][] = [
        ["/", "sync-panel"],
        ["/devices", "export-csv"],
        [`/devices/${encodeURIComponent(messaged)}`, "device-messages"],
        ["/alerts", "nav-alert-count"],
        ["/alerts/rules", "nav-alert-count"],
        ["/settings", "save-settings"],
        ["/outbox", "outbox"],
        ["/audit", "nav-alert-count"],
        ["/tokens", "nav-alert-count"],
      ];
      const wider: { path: string; overflow: string[] }[] = [];
      for (const [path, ready] of pages) {
        await phone.goto(`${proxy.url}${path}`);
        await phone.getByTestId(ready).first().waitFor();
        await phone.locator("main h1").first().waitFor();
        const found = await overflow(phone);
        if (found.length > 0) wider.push({ path, overflow: found });
      }
      expect(wider).toEqual([]);
      // Every navigation link is on screen, not cut off past the right edge.
      for (const link of await phone.locator(".app-header nav a").all()) {
        const box = await link.boundingBox();
        expect(box && box.x + box.width).toBeLessThanOrEqual(390);
      }
    } finally {
      await context.close();
    }
  });

  it("says 'No such device' with a way back for a missing or malformed device address, logging no server error", async () => {
    const logged = vi.spyOn(console, "error");
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await signIn(page, proxy.url, ADMIN_TOKEN);
      const missing = Buffer.from("Device:00000000-0000-4000-8000-000000000000").toString("base64");
      for (const id of [encodeURIComponent(missing), "garbage"]) {
        await page.goto(`${proxy.url}/devices/${id}`);
        const notice = page.getByTestId("no-such-device");
        await notice.waitFor();
        expect(await notice.textContent(), id).toContain("No such device");
        expect(await notice.getByRole("link", { name: "Back to the devices list" }).getAttribute("href")).toBe(
          "/devices",
        );
        expect(await page.locator("main").textContent(), id).not.toMatch(/Could not load|GraphQL|Unexpected error/);
      }
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
      await context.close();
    }
  });

  it("messages the owners of the listed devices after showing the plan, and never on a stale one", async () => {
    const filter = { status: ["PARTIALLY_ENROLLED", "AGENT_INACTIVE", "MDM_PROFILE_MISSING", "OFFLINE"] };
    const plan = async () =>
      (await server.request(PlanQuery, { filter })).bulkRemediationPlan as { messages: number; recipients: number };
    const messages = (n: number) => `${n} ${n === 1 ? "message" : "messages"}`;
    const people = (n: number) => `${n} ${n === 1 ? "person" : "people"}`;
    const before = await plan();
    expect(before.messages).toBeGreaterThan(0);

    await page.goto(`${proxy.url}/devices?status=${filter.status.join(",")}`);
    await page
      .getByTestId("result-line")
      .filter({ hasText: /\d+ devices?/ })
      .waitFor();
    await page.getByTestId("bulk-message").click();
    const planText = page.getByTestId("bulk-message-plan");
    await planText.filter({ hasText: `${messages(before.messages)} to ${people(before.recipients)}` }).waitFor();
    expect(await page.getByTestId("confirm").textContent()).toBe(`Send ${messages(before.messages)}`);
    // Whom it writes to: the first messages, with a link to each device.
    const sample = page.getByTestId("bulk-message-sample").getByRole("listitem");
    expect(await sample.count()).toBe(Math.min(before.messages, 10) + (before.messages > 10 ? 1 : 0));
    expect(await sample.first().getByRole("link").getAttribute("href")).toMatch(/^\/devices\//);

    // The list changes while the dialog is open: confirming the old count sends nothing.
    const outbox = () => server.app.db.prisma.outboundMessage.count();
    const outboxBefore = await outbox();
    await produceTransitions(1);
    const now = await plan();
    expect(now.messages).not.toBe(before.messages);
    // Behind the dialog, the list says a device joined (or left) the filter since it loaded.
    await page
      .getByTestId("list-changed")
      .filter({ hasText: now.messages > before.messages ? "1 more device matches" : "1 device no longer matches" })
      .waitFor({ state: "attached" });
    await page.getByTestId("confirm").click();
    await page.getByTestId("bulk-message-error").filter({ hasText: "Nothing was sent" }).waitFor();
    expect(await outbox()).toBe(outboxBefore);
    await planText.filter({ hasText: `${messages(now.messages)} to ${people(now.recipients)}` }).waitFor();

    await page.getByTestId("confirm").click();
    await page
      .getByTestId("bulk-message-result")
      .filter({ hasText: `${messages(now.messages)} queued for ${people(now.recipients)}` })
      .waitFor();
    expect(await outbox()).toBe(outboxBefore + now.messages);

    // Again at once: everyone was just messaged, so there is nothing to send unless the admin asks.
    await page.getByTestId("bulk-message").click();
    await planText.filter({ hasText: "none of them gets a message" }).waitFor();
    expect(await page.getByTestId("confirm").isDisabled()).toBe(true);
    await page.getByTestId("bulk-message-skip-recent").uncheck();
    await planText.filter({ hasText: `${messages(now.messages)} to` }).waitFor();
    await page.getByRole("button", { name: "Cancel" }).click();
    expect(await outbox()).toBe(outboxBefore + now.messages);
  });

  it("offers an iPhone's owner the iPhone's profile guide and no agent link (an iPhone has no agent)", async () => {
    const Phones = gql<{ devices: { edges: { node: { id: string; messageKinds: string[] } }[] } }>(
      '{ devices(first: 1, filter: { platform: ["ios"] }) { edges { node { id messageKinds } } } }',
    );
    const phone = (await server.request(Phones)).devices.edges[0]?.node;
    if (!phone) throw new Error("no iPhone in the simulated fleet");
    expect(phone.messageKinds).toEqual(["ENROLLMENT_INVITATION", "MACOS_PROFILE_GUIDE"]);
    await page.goto(`${proxy.url}/devices/${encodeURIComponent(phone.id)}`);
    const actions = page.getByTestId("device-actions");
    await actions.getByTestId("action-MACOS_PROFILE_GUIDE").filter({ hasText: "Send iPhone profile guide" }).waitFor();
    expect(await actions.getByTestId("action-AGENT_DOWNLOAD_LINK").count()).toBe(0);
  });

  it("filters the devices by team, kept in the URL", async () => {
    const { teams } = await server.request(
      gql<{ teams: { name: string | null; devices: number }[] }>("{ teams { name devices } }"),
    );
    const team = teams.find((t) => t.name !== null);
    if (!team?.name) throw new Error("no team");
    const devices = (n: number) => `${n} ${n === 1 ? "device" : "devices"}`;
    await page.goto(`${proxy.url}/devices`);
    await page
      .getByTestId("result-line")
      .filter({ hasText: devices(60) })
      .waitFor();
    await page.getByTestId("filter-team").selectOption({ label: `${team.name} (${team.devices})` });
    await page
      .getByTestId("result-line")
      .filter({ hasText: devices(team.devices) })
      .waitFor();
    expect(new URL(page.url()).searchParams.get("team")).toBe(team.name);
    // Reloaded from the URL, the same list and the same choice.
    await page.reload();
    await page
      .getByTestId("result-line")
      .filter({ hasText: devices(team.devices) })
      .waitFor();
    expect(await page.getByTestId("filter-team").inputValue()).toBe(`team:${team.name}`);
    const none = teams.find((t) => t.name === null)?.devices ?? 0;
    await page.getByTestId("filter-team").selectOption({ label: "No team" });
    await page
      .getByTestId("result-line")
      .filter({ hasText: devices(none) })
      .waitFor();
    expect(new URL(page.url()).searchParams.get("noteam")).toBe("1");
  });

  it("shows enrolment by team on the overview, live, and each count opens the team's devices", async () => {
    const TeamSummaries = gql<{
      teamSummaries: { team: string | null; counts: { status: string; count: number }[] }[];
    }>("{ teamSummaries { team counts { status count } } }");
    const missingIn = async (team: string | null) =>
      (await server.request(TeamSummaries)).teamSummaries
        .find((s) => s.team === team)
        ?.counts.find((c) => c.status === "MDM_PROFILE_MISSING")?.count ?? 0;
    await page.goto(proxy.url);
    await page.getByTestId("team-health").waitFor();
    const [changed] = await produceTransitions(1);
    if (!changed) throw new Error("nothing changed");
    const team = server.app.runtime.sim?.model.profile(changed.fleetHostId)?.teamName ?? null;
    const expected = await missingIn(team);
    const cell = page.locator(`[data-testid=team-row][data-team="${team ?? ""}"] td[data-status=MDM_PROFILE_MISSING]`);
    // Without a reload: the table follows the live summary.
    await expect.poll(() => cell.textContent(), { timeout: 10_000 }).toBe(String(expected));
    if (expected > 0) {
      await cell.getByRole("link").click();
      await page
        .getByTestId("result-line")
        .filter({ hasText: `${expected} ${expected === 1 ? "device" : "devices"}` })
        .waitFor();
      const url = new URL(page.url());
      expect(url.searchParams.get("status")).toBe("MDM_PROFILE_MISSING");
      expect(team === null ? url.searchParams.get("noteam") : url.searchParams.get("team")).toBe(team ?? "1");
    }
  });

  it("follows a device a sync moved to another team without a status change, without a reload", async () => {
    await page.goto(proxy.url);
    await page.getByTestId("team-health").waitFor();
    const { prisma } = server.app.db;
    const device = await prisma.device.findFirstOrThrow({ where: { teamName: { not: null } } });
    const teams = await prisma.device.groupBy({ by: ["teamName"], _count: { _all: true } });
    const to = teams.find((t) => t.teamName !== null && t.teamName !== device.teamName);
    if (!to?.teamName) throw new Error("fewer than two teams");
    const totalCell = page.locator(`[data-testid=team-row][data-team="${to.teamName}"] td`).first();
    await expect.poll(() => totalCell.textContent()).toBe(String(to._count._all));
    // As a sync writes a team change read from Fleet: the stored hash still matches Fleet's data,
    // so the sync keeps it; no status changes, so no status event and the same fleet summary.
    await prisma.device.update({ where: { id: device.id }, data: { teamName: to.teamName } });
    try {
      await server.request(SyncNow);
      await expect.poll(() => totalCell.textContent(), { timeout: 10_000 }).toBe(String(to._count._all + 1));
    } finally {
      await prisma.device.update({ where: { id: device.id }, data: { teamName: device.teamName } });
      await server.request(SyncNow);
    }
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
      await viewer.goto(`${proxy.url}/devices`);
      await viewer.getByTestId("export-csv").waitFor();
      expect(await viewer.getByTestId("bulk-message").count()).toBe(0);
      await viewer.goto(`${proxy.url}/settings`);
      await viewer.getByText("Read-only: changing settings needs an ADMIN token.").waitFor();
      expect(await viewer.getByLabel("Sync with Fleet every").isDisabled()).toBe(true);
      expect(await viewer.getByTestId("save-settings").count()).toBe(0);
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

  it("pages the audit log, filters it from the URL, and links a device's entries to its page", async () => {
    const prisma = server.app.db.prisma;
    // A real admin action on a device, audited by the mutation itself ...
    const device = (await devices()).find((d) => d.status !== "UNENROLLED");
    if (!device) throw new Error("no enrolled device");
    expect((await server.request(Unenroll, { id: device.id })).unenrollDevice.__typename).toMatch(/Success/);
    const stored = await prisma.device.findUniqueOrThrow({ where: { fleetHostId: device.fleetHostId } });
    // ... and more than two pages of others over three days, several at the same instant.
    const actors = ["ops-alice", "ops-bob", "Ops-Alice (CI)"] as const;
    const actions = ["apiToken.create", "settings.update", "webhook.delete"] as const;
    await prisma.auditEntry.createMany({
      data: Array.from({ length: 120 }, (_, i) => ({
        actor: actors[i % 3] ?? "",
        action: actions[Math.floor(i / 3) % 3] ?? "",
        target: `e2e-target-${i % 4}`,
        at: new Date(2025, 5, 10 + (i % 3), 9 + (i % 8)),
      })),
    });
    const all = await prisma.auditEntry.findMany({ orderBy: [{ at: "desc" }, { id: "desc" }] });
    expect(all.length).toBeGreaterThan(100);

    // A context of its own, signed in on the audit page: the test does not depend on the ones before.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(10_000);
    try {
      const auditor = await context.newPage();
      auditor.on("pageerror", (error) => console.error("page error:", error));
      await signIn(auditor, proxy.url, ADMIN_TOKEN, "/audit");
      const rows = auditor.getByTestId("audit-row");
      const total = auditor.getByTestId("audit-total").getByRole("status");
      const shownIds = () => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-entry-id") ?? ""));
      const sorted = (ids: string[]) => [...ids].sort();

      await expect.poll(() => total.textContent()).toBe(entries(all.length));
      await expect.poll(() => rows.count()).toBe(50);
      const loadMore = auditor.getByRole("button", { name: "Load more" });
      for (let shown = 50; shown < all.length; ) {
        await loadMore.click();
        shown = Math.min(shown + 50, all.length);
        await expect.poll(() => rows.count()).toBe(shown);
      }
      await expect.poll(() => loadMore.count()).toBe(0);
      // Every entry once, newest first, in the server's order.
      expect(await shownIds()).toEqual(all.map((e) => e.id));

      // Two actions and an actor: only matching rows, and the count for the filter.
      const picker = auditor.getByTestId("filter-action");
      await picker.locator("summary").click();
      await picker.getByLabel("settings.update", { exact: true }).check();
      await picker.getByLabel("webhook.delete", { exact: true }).check();
      // It closes like a menu, on Escape.
      await auditor.keyboard.press("Escape");
      expect(await picker.evaluate((el) => (el as HTMLDetailsElement).open)).toBe(false);
      await auditor.getByLabel("Actor").fill("ALICE");
      await auditor.waitForURL(/[?&]actor=ALICE/);
      const chosen = ["settings.update", "webhook.delete"];
      const matching = all.filter((e) => chosen.includes(e.action) && e.actor.toLowerCase().includes("alice"));
      expect(matching.length).toBeGreaterThan(5);
      await expect.poll(() => total.textContent()).toBe(entries(matching.length));
      for (let shown = Math.min(50, matching.length); shown < matching.length; ) {
        await expect.poll(() => rows.count()).toBe(shown);
        await loadMore.click();
        shown = Math.min(shown + 50, matching.length);
      }
      await expect.poll(async () => sorted(await shownIds())).toEqual(sorted(matching.map((e) => e.id)));
      const shownActions = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-action")));
      expect(new Set(shownActions)).toEqual(new Set(chosen));
      for (const actor of await auditor.getByTestId("audit-actor").allTextContents()) expect(actor).toMatch(/alice/i);
      // Targets that are not devices stay raw ids.
      expect(await rows.getByRole("link").count()).toBe(0);
      expect(await rows.first().locator("td").nth(3).textContent()).toMatch(/^e2e-target-\d$/);

      // The URL holds the view: a reload shows the same filter and the same entries.
      await auditor.reload();
      await expect.poll(() => total.textContent()).toBe(entries(matching.length));
      expect(await picker.locator("summary").textContent()).toBe("2 actions");
      expect(new URL(auditor.url()).searchParams.get("action")).toBe("settings.update,webhook.delete");
      expect(await auditor.getByLabel("Actor").inputValue()).toBe("ALICE");

      // One local day, its last hour included.
      await auditor.getByRole("button", { name: "Clear filters" }).click();
      await expect.poll(() => total.textContent()).toBe(entries(all.length));
      expect(await auditor.getByLabel("Actor").inputValue()).toBe("");
      await auditor.getByLabel("From", { exact: true }).fill("2025-06-11");
      await auditor.getByLabel("To", { exact: true }).fill("2025-06-11");
      const onDay = all.filter((e) => localDay(e.at) === "2025-06-11");
      expect(onDay.length).toBeGreaterThan(0);
      await expect.poll(() => total.textContent()).toBe(entries(onDay.length));
      await expect.poll(async () => sorted(await shownIds())).toEqual(sorted(onDay.map((e) => e.id)));

      // The device's entries, found by the id shown on its page, link to it.
      await auditor.getByRole("button", { name: "Clear filters" }).click();
      await auditor.getByLabel("Target").fill(device.id);
      const onDevice = all.filter((e) => e.target === stored.id);
      const unenrolled = onDevice.find((e) => e.action === "device.unenroll");
      if (!unenrolled) throw new Error("the unenrolment was not audited");
      await expect.poll(() => total.textContent()).toBe(entries(onDevice.length));
      const link = auditor.locator(`[data-entry-id="${unenrolled.id}"]`).getByRole("link", { name: device.name });
      expect(await link.getAttribute("href")).toBe(`/devices/${encodeURIComponent(device.id)}`);
      await link.click();
      await auditor.waitForURL(`**/devices/${encodeURIComponent(device.id)}`);
      await auditor.getByTestId("device-status").filter({ hasText: "Unenrolled" }).waitFor();

      // And back: the device page's activity opens the audit log filtered to the device.
      await auditor.getByTestId("device-audit-link").click();
      await auditor.waitForURL("**/audit?*");
      expect(await auditor.getByLabel("Target").inputValue()).toBe(device.id);
      await expect.poll(() => total.textContent()).toBe(entries(onDevice.length));
    } finally {
      await context.close();
    }
  });
});
