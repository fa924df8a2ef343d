import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkIn, startSmtp } from "../../../packages/sync/test/SmtpTestServer.ts";
import { gql, SyncNow, startTestServer, type TestServer, take } from "../../server/test/testkit.ts";
import { ensureBuilt, launchBrowser } from "./support.ts";

let server: TestServer;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let browser: Browser;
beforeAll(async () => {
  await ensureBuilt();
  smtp = await startSmtp();
  server = await startTestServer({
    hosts: 60,
    env: { SMTP_URL: smtp.url, MDM_ENROLLMENT_URL: "https://mdm.example.com/enroll.mobileconfig" },
  });
  await server.request(SyncNow);
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await smtp?.close();
});

const Devices = gql<{
  devices: { edges: { node: { id: string; fleetHostId: number; name: string; owner: { email: string } | null } }[] };
}>("{ devices(first: 100) { edges { node { id fleetHostId name owner { email } } } } }");
// The invitation applies to every platform (an agent link or a profile guide does not).
const Send = gql<{ sendRemediation: { __typename: string } }, { id: string }>(
  "mutation($id: ID!) { sendRemediation(deviceId: $id, kind: ENROLLMENT_INVITATION) { __typename } }",
);

async function latestLink(email: string, count: number): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const mail = smtp.received.filter((m) => m.to.includes(email))[count - 1];
    const link = mail ? linkIn(mail) : null;
    if (link) return link;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no e-mail ${count} to ${email}`);
}

describe("the employee page in Chromium", () => {
  it("follows the e-mailed link to the device and its steps; 'check again' reaches the admins live", async () => {
    const sim = server.app.runtime.sim;
    if (!sim) throw new Error("no simulator");
    const mac = sim.model.hostIds().find((id) => {
      const p = sim.model.profile(id);
      return p?.platform === "darwin" && p.mdm && sim.model.stateOf(id) === "HEALTHY";
    });
    if (mac === undefined) throw new Error("no healthy Mac in the demo fleet");
    sim.model.setState(mac, "PROFILE_REMOVED");
    await server.request(SyncNow);
    const device = (await server.request(Devices)).devices.edges.find((e) => e.node.fleetHostId === mac)?.node;
    if (!device?.owner) throw new Error("the Mac has no owner");
    await server.request(Send, { id: device.id });
    const link = await latestLink(device.owner.email, 1);

    // A phone: the page must fit without sideways scrolling.
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    await page.goto(link);
    const card = page.getByTestId("employee-device").filter({ hasText: device.name });
    await expect(card.getByTestId("employee-status").textContent()).resolves.toContain("Management profile missing");
    await expect(card.textContent()).resolves.toMatch(/Privacy & Security › Profiles/);
    expect(await card.getByRole("link", { name: "Download the enrollment profile" }).getAttribute("href")).toBe(
      "https://mdm.example.com/enroll.mobileconfig",
    );
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // The platform as the employee calls it, not Fleet's id.
    const header = await card.locator("header").textContent();
    expect(header).toContain("Mac");
    expect(header).not.toContain("darwin");

    // Checked before fixing: the outcome says "the steps below", so it stands above them.
    await card.getByRole("button", { name: "I've done it — check again" }).click();
    const outcome = card.getByTestId("employee-message").filter({ hasText: "still needs the steps below" });
    await outcome.waitFor();
    const outcomeTop = (await outcome.boundingBox())?.y ?? Number.POSITIVE_INFINITY;
    const stepsTop = (await card.locator(".enroll-steps").boundingBox())?.y ?? 0;
    expect(outcomeTop).toBeLessThan(stepsTop);
    // The token does not stay in the address bar.
    expect(page.url()).toBe(`${server.url}/enroll`);

    const admin = server.wsClient().iterate<{ statusEvents: { to: string; device: { fleetHostId: number } } }>({
      query: "subscription { statusEvents { to device { fleetHostId } } }",
    });
    const arriving = take(admin, 1, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    sim.model.fix(mac);
    await card.getByRole("button", { name: "I've done it — check again" }).click();
    await card.getByTestId("employee-message").filter({ hasText: "correctly enrolled" }).waitFor();
    await expect(card.getByTestId("employee-status").textContent()).resolves.toContain("Correctly enrolled");
    expect((await arriving)[0]?.data?.statusEvents).toEqual({ to: "ENROLLED", device: { fleetHostId: mac } });
    await admin.return?.();

    // The same link again within the session's hour, in the same browser: the devices, not a refusal,
    // and no failed sign-in on the way.
    const refusals: string[] = [];
    page.on("response", (response) => {
      if (response.status() >= 400) refusals.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(link);
    await card.getByTestId("employee-status").filter({ hasText: "Correctly enrolled" }).waitFor();
    expect(await page.getByTestId("employee-refused").count()).toBe(0);
    expect(refusals).toEqual([]);

    // The same link again in another browser (no session): refused, with a page that says why.
    const again = await browser.newPage();
    await again.goto(link);
    await expect(again.getByTestId("employee-refused").textContent()).resolves.toMatch(/already used/);
    await again.close();
    await page.close();
  }, 60_000);

  it("refuses forged and expired links with a clear page", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/enroll?token=forged-forged-forged-forged-forged`);
    await expect(page.getByTestId("employee-refused").textContent()).resolves.toMatch(/not valid/);

    const owned = (await server.request(Devices)).devices.edges.find((e) => e.node.owner)?.node;
    if (!owned?.owner) throw new Error("no owned device");
    const before = smtp.received.filter((m) => m.to.includes(owned.owner?.email ?? "")).length;
    await server.request(Send, { id: owned.id });
    const link = await latestLink(owned.owner.email, before + 1);
    await server.app.db.prisma.employeeLink.updateMany({
      where: { usedAt: null, supersededAt: null },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    await page.goto(link);
    await expect(page.getByTestId("employee-refused").textContent()).resolves.toMatch(/expired/);
    // Without any link, the page says where to find one.
    await page.goto(`${server.url}/enroll`);
    await expect(page.getByTestId("employee-refused").textContent()).resolves.toMatch(
      /open the link in the latest e-mail/,
    );
    await page.close();
  }, 60_000);
});
