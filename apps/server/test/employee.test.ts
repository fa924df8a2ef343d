import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkIn, startSmtp } from "../../../packages/sync/test/SmtpTestServer.ts";
import { CSRF_HEADER } from "../src/http/createYogaServer.ts";
import { gql, SyncNow, startTestServer, type TestServer, take } from "./testkit.ts";

let server: TestServer;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
beforeAll(async () => {
  smtp = await startSmtp();
  server = await startTestServer({
    hosts: 80,
    env: { SMTP_URL: smtp.url, MDM_ENROLLMENT_URL: "https://mdm.example.com/enroll.mobileconfig" },
  });
  await server.request(SyncNow);
});
afterAll(async () => {
  await server?.stop();
  await smtp?.close();
});

const Devices = gql<{
  devices: { edges: { node: { id: string; fleetHostId: number; status: string; owner: { email: string } | null } }[] };
}>("{ devices(first: 200) { edges { node { id fleetHostId status owner { email } } } } }");
// The invitation applies to every platform (an agent link or a profile guide does not).
const Send = gql<{ sendRemediation: { __typename: string } }, { id: string; kind?: string }>(
  "mutation($id: ID!, $kind: MessageKind! = ENROLLMENT_INVITATION) { sendRemediation(deviceId: $id, kind: $kind) { __typename } }",
);

/** The database id inside a Device's Relay id: the employee API speaks database ids. */
function dbId(relayId: string): string {
  return Buffer.from(relayId, "base64")
    .toString("utf8")
    .replace(/^Device:/, "");
}

async function signIn(
  link: string,
  cookie?: string,
): Promise<{ status: number; cookie: string | null; body: { error?: string; message?: string; email?: string } }> {
  const token = new URL(link).searchParams.get("token");
  const response = await fetch(`${server.url}/employee/session`, {
    method: "POST",
    headers: { "content-type": "application/json", [CSRF_HEADER]: "1", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ token }),
  });
  return {
    status: response.status,
    cookie: response.headers.get("set-cookie")?.split(";")[0] ?? null,
    body: (await response.json()) as { error?: string; message?: string; email?: string },
  };
}

async function employeeQuery<R>(cookie: string, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(`${server.url}/employee/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", [CSRF_HEADER]: "1", cookie },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: R; errors?: { message: string }[] } };
}

async function mailTo(email: string, count: number): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const mails = smtp.received.filter((m) => m.to.includes(email));
    const last = mails[count - 1];
    if (last) {
      const link = linkIn(last);
      if (link) return link;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no message ${count} for ${email}`);
}

interface Me {
  me: {
    email: string;
    devices: {
      id: string;
      name: string;
      platformName: string;
      status: string;
      summary: string;
      steps: string[];
      downloads: { url: string }[];
    }[];
  };
}
const ME = "{ me { email devices { id name platformName status summary steps downloads { url } } } }";

describe("employee self-service", () => {
  it("an e-mailed link signs the employee in to their own devices, with the steps, once", async () => {
    const sim = server.app.runtime.sim;
    if (!sim) throw new Error("no simulator");
    const mac = sim.model.hostIds().find((id) => {
      const p = sim.model.profile(id);
      return p?.platform === "darwin" && p.mdm && sim.model.stateOf(id) === "HEALTHY";
    });
    if (mac === undefined) throw new Error("no healthy Mac");
    sim.model.setState(mac, "PROFILE_REMOVED");
    await server.request(SyncNow);
    const device = (await server.request(Devices)).devices.edges.find((e) => e.node.fleetHostId === mac)?.node;
    if (!device?.owner) throw new Error("the Mac has no owner");
    expect(device.status).toBe("MDM_PROFILE_MISSING");

    expect(
      (await server.request(Send, { id: device.id, kind: "MACOS_PROFILE_GUIDE" })).sendRemediation.__typename,
    ).toBe("MutationSendRemediationSuccess");
    const link = await mailTo(device.owner.email, 1);
    expect(link).toContain(`${server.url}/enroll?token=`);
    // The outbox keeps the message without the token: only the e-mail carries it.
    const stored = await server.app.db.prisma.outboundMessage.findFirstOrThrow({
      where: { deviceId: dbId(device.id) },
    });
    expect(stored.body).not.toContain(new URL(link).searchParams.get("token") ?? "none");

    const signedIn = await signIn(link);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.email).toBe(device.owner.email);
    if (!signedIn.cookie) throw new Error("no session cookie");
    const me = await employeeQuery<Me>(signedIn.cookie, ME);
    const mine = me.body.data?.me.devices.find((d) => d.id === dbId(device.id));
    expect(mine?.status).toBe("MDM_PROFILE_MISSING");
    expect(mine?.platformName).toBe("Mac");
    expect(mine?.summary).toMatch(/profile is missing/);
    expect(mine?.steps.join(" ")).toMatch(/Profiles/);
    expect(mine?.downloads.map((d) => d.url)).toContain("https://mdm.example.com/enroll.mobileconfig");
    // Only this employee's devices.
    const owners = await server.app.db.prisma.device.findMany({
      where: { id: { in: me.body.data?.me.devices.map((d) => d.id) ?? [] } },
      include: { owner: true },
    });
    expect(owners.every((d) => d.owner?.email === device.owner?.email)).toBe(true);

    // The link works once.
    expect(await signIn(link)).toMatchObject({ status: 401, body: { error: "USED" } });
    // Reopened while its employee's session lasts, it goes on with that session (no new one).
    expect(await signIn(link, signedIn.cookie)).toMatchObject({
      status: 200,
      cookie: null,
      body: { email: device.owner.email },
    });
    // The visit is in the device's timeline.
    const activity = await server.request(
      gql<{ node: { activity: { action: string }[] } }, { id: string }>(
        "query($id: ID!) { node(id: $id) { ... on Device { activity { action } } } }",
      ),
      { id: device.id },
    );
    expect(activity.node.activity.map((a) => a.action)).toEqual(
      expect.arrayContaining(["employee.visit", "device.sendRemediation"]),
    );

    // "Check again" after the employee fixed it: the admins' subscription sees the transition.
    const admin = server.wsClient().iterate<{ statusEvents: { to: string; device: { fleetHostId: number } } }>({
      query: "subscription { statusEvents { to device { fleetHostId } } }",
    });
    const transition = take(admin, 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    sim.model.fix(mac);
    const checked = await employeeQuery<{ checkAgain: { outcome: string; device: { status: string } } }>(
      signedIn.cookie,
      "mutation($id: ID!) { checkAgain(deviceId: $id) { outcome message device { status } } }",
      { id: dbId(device.id) },
    );
    expect(checked.body.data?.checkAgain).toMatchObject({ outcome: "CHECKED", device: { status: "ENROLLED" } });
    expect((await transition)[0]?.data?.statusEvents).toEqual({ to: "ENROLLED", device: { fleetHostId: mac } });
    await admin.return?.();

    // The admin finds everything the employee did under one actor, the check on its device.
    const byEmployee = await server.request(
      gql<
        {
          auditLog: { totalCount: number; edges: { node: { action: string; targetDevice: { id: string } | null } }[] };
        },
        { actor: string }
      >(
        "query($actor: String) { auditLog(filter: { actor: $actor }) { totalCount edges { node { action targetDevice { id } } } } }",
      ),
      { actor: `employee:${device.owner.email}` },
    );
    const actions = byEmployee.auditLog.edges.map((e) => e.node.action);
    expect(actions[0]).toBe("employee.checkAgain");
    expect(actions).toEqual(expect.arrayContaining(["employee.signIn", "employee.visit"]));
    expect(byEmployee.auditLog.edges[0]?.node.targetDevice?.id).toBe(device.id);
  });

  it("refuses forged, superseded and expired links with a clear reason", async () => {
    expect(await signIn(`${server.url}/enroll?token=forged-token-forged-token-forged`)).toMatchObject({
      status: 401,
      body: { error: "UNKNOWN", message: expect.stringMatching(/not valid/) },
    });
    const device = (await server.request(Devices)).devices.edges.find((e) => e.node.owner)?.node;
    if (!device?.owner) throw new Error("no owned device");
    const before = smtp.received.filter((m) => m.to.includes(device.owner?.email ?? "")).length;
    await server.request(Send, { id: device.id });
    const first = await mailTo(device.owner.email, before + 1);
    // Links sent within ten minutes of each other all work; an older one is superseded.
    await server.app.db.prisma.employeeLink.updateMany({
      where: { usedAt: null, supersededAt: null },
      data: { createdAt: new Date(Date.now() - 11 * 60_000) },
    });
    await server.request(Send, { id: device.id });
    const second = await mailTo(device.owner.email, before + 2);
    expect(await signIn(first)).toMatchObject({ status: 401, body: { error: "SUPERSEDED" } });
    await server.app.db.prisma.employeeLink.updateMany({
      where: { usedAt: null, supersededAt: null },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(await signIn(second)).toMatchObject({
      status: 401,
      body: { error: "EXPIRED", message: expect.stringMatching(/expired/) },
    });
  });

  it("an employee cannot reach another employee's device, nor the admin API", async () => {
    const devices = (await server.request(Devices)).devices.edges.map((e) => e.node).filter((d) => d.owner);
    const [mine, other] = [devices[0], devices.find((d) => d.owner?.email !== devices[0]?.owner?.email)];
    if (!mine?.owner || !other) throw new Error("need two owners");
    const before = smtp.received.filter((m) => m.to.includes(mine.owner?.email ?? "")).length;
    await server.request(Send, { id: mine.id });
    const { cookie } = await signIn(await mailTo(mine.owner.email, before + 1));
    if (!cookie) throw new Error("no cookie");
    const attempt = await employeeQuery<{ checkAgain: unknown }>(
      cookie,
      "mutation($id: ID!) { checkAgain(deviceId: $id) { outcome } }",
      { id: dbId(other.id) },
    );
    expect(attempt.body.errors?.[0]?.message).toBe("No such device.");
    const me = await employeeQuery<Me>(cookie, ME);
    expect(me.body.data?.me.devices.map((d) => d.id)).not.toContain(dbId(other.id));
    expect(me.body.data?.me.devices.map((d) => d.id)).toContain(dbId(mine.id));
    // The employee schema has no admin fields, and the cookie opens nothing on the admin API.
    const probe = await employeeQuery(cookie, "{ devices(first: 5) { totalCount } }");
    expect(probe.body.errors?.[0]?.message).toMatch(/Cannot query field "devices"/);
    const admin = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", [CSRF_HEADER]: "1", cookie },
      body: JSON.stringify({ query: "{ settings { syncIntervalMinutes } }" }),
    });
    expect(admin.status).toBe(401);
    // Without a session the employee endpoint says so.
    expect((await employeeQuery("ew_employee=nope", ME)).status).toBe(401);
  });

  it("limits 'check again' to a few per minute per employee", async () => {
    const devices = (await server.request(Devices)).devices.edges.map((e) => e.node).filter((d) => d.owner);
    const device = devices.at(-1);
    if (!device?.owner) throw new Error("no owned device");
    const before = smtp.received.filter((m) => m.to.includes(device.owner?.email ?? "")).length;
    await server.request(Send, { id: device.id });
    const { cookie } = await signIn(await mailTo(device.owner.email, before + 1));
    if (!cookie) throw new Error("no cookie");
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const result = await employeeQuery<{ checkAgain: { outcome: string; message: string } }>(
        cookie,
        "mutation($id: ID!) { checkAgain(deviceId: $id) { outcome message } }",
        { id: dbId(device.id) },
      );
      outcomes.push(result.body.data?.checkAgain.outcome ?? "error");
    }
    expect(outcomes.slice(0, 3).every((o) => o === "CHECKED" || o === "BUSY")).toBe(true);
    expect(outcomes[3]).toBe("RATE_LIMITED");
  });
});
