import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { schema } from "../src/graphql/schema/index.ts";
import { CSRF_HEADER } from "../src/http/createYogaServer.ts";
import { serverTimingTotal } from "../src/http/ServerTiming.ts";
import { ADMIN_TOKEN, gql, SyncNow, startTestServer, type TestServer } from "./testkit.ts";

let server: TestServer;
let viewerToken: string;
beforeAll(async () => {
  server = await startTestServer({ hosts: 80 });
  viewerToken = await server.createToken("VIEWER");
  const synced = await server.request(SyncNow);
  if (synced.syncNow.__typename !== "MutationSyncNowSuccess") throw new Error("first sync failed");
});
afterAll(async () => {
  await server?.stop();
});

const Overview = gql<{
  statusSummary: { total: number; counts: { status: string; count: number }[] };
  devices: { totalCount: number };
}>(`{ statusSummary { total counts { status count } } devices(first: 1) { totalCount } }`);

const DevicesByStatus = gql<
  {
    devices: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      edges: {
        node: {
          id: string;
          serial: string | null;
          platform: string;
          status: string;
          owner: { email: string } | null;
          problems: { status: string; causes: { code: string }[]; remediation: { kind: string; text: string } }[];
        };
      }[];
    };
  },
  { status: string[]; first: number; after?: string | null }
>(`query DevicesByStatus($status: [EnrollmentStatus!], $first: Int, $after: String) {
  devices(filter: { status: $status }, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id serial platform status owner { email } problems { status causes { code } remediation { kind text } } } }
  }
}`);

describe("queries", () => {
  it("the summary counts every device, and each count matches the filtered device list", async () => {
    const { statusSummary, devices } = await server.request(Overview, undefined, viewerToken);
    expect(statusSummary.total).toBe(80);
    expect(devices.totalCount).toBe(80);
    for (const { status, count } of statusSummary.counts) {
      const page = await server.request(DevicesByStatus, { status: [status], first: 100 }, viewerToken);
      expect(page.devices.totalCount).toBe(count);
      expect(page.devices.edges).toHaveLength(count);
      for (const { node } of page.devices.edges) {
        expect(node.status).toBe(status);
        if (status === "ENROLLED") expect(node.problems).toEqual([]);
        else expect(node.problems[0]?.status).toBe(status);
      }
    }
  });

  it("lists the teams with their device counts, and filters devices by team (null: in no team)", async () => {
    const Teams = gql<{ teams: { name: string | null; devices: number }[] }>("{ teams { name devices } }");
    const { teams } = await server.request(Teams, undefined, viewerToken);
    expect(teams.length).toBeGreaterThan(1);
    expect(teams.reduce((sum, t) => sum + t.devices, 0)).toBe(80);
    const ByTeam = gql<
      { devices: { totalCount: number; edges: { node: { team: string | null } }[] } },
      { team: (string | null)[] }
    >("query($team: [String]) { devices(first: 100, filter: { team: $team }) { totalCount edges { node { team } } } }");
    for (const team of teams) {
      const { devices } = await server.request(ByTeam, { team: [team.name] }, viewerToken);
      expect(devices.totalCount, String(team.name)).toBe(team.devices);
      // The counts come from the cached summaries; the page is a query of its own.
      expect(devices.edges).toHaveLength(team.devices);
      expect(await server.app.db.prisma.device.count({ where: { teamName: team.name } })).toBe(team.devices);
      expect(devices.edges.every((e) => e.node.team === team.name)).toBe(true);
    }
    const [a, b] = teams;
    if (!a || !b) throw new Error("fewer than two teams");
    const both = await server.request(ByTeam, { team: [a.name, b.name] }, viewerToken);
    expect(both.devices.totalCount).toBe(a.devices + b.devices);
    const ByTeamAndStatus = gql<
      { devices: { totalCount: number; edges: { node: { status: string } }[] } },
      { team: (string | null)[]; status: string[] }
    >(
      "query($team: [String], $status: [EnrollmentStatus!]) { devices(first: 100, filter: { team: $team, status: $status }) { totalCount edges { node { status } } } }",
    );
    for (const status of [["ENROLLED"], ["OFFLINE", "AGENT_INACTIVE", "MDM_PROFILE_MISSING"]]) {
      const { devices } = await server.request(ByTeamAndStatus, { team: [a.name, null], status }, viewerToken);
      expect(devices.totalCount, status.join()).toBe(devices.edges.length);
      expect(devices.edges.every((e) => status.includes(e.node.status))).toBe(true);
    }
  });

  it("summarises each team like statusSummary, the teams adding up to the fleet", async () => {
    const Both = gql<{
      statusSummary: { total: number; counts: { status: string; count: number }[] };
      teams: { name: string | null; devices: number }[];
      teamSummaries: { team: string | null; total: number; counts: { status: string; count: number }[] }[];
    }>(
      "{ statusSummary { total counts { status count } } teams { name devices } teamSummaries { team total counts { status count } } }",
    );
    const { statusSummary, teams, teamSummaries } = await server.request(Both, undefined, viewerToken);
    expect(teamSummaries.map((s) => [s.team, s.total])).toEqual(teams.map((t) => [t.name, t.devices]));
    for (const { status, count } of statusSummary.counts) {
      const sum = teamSummaries.reduce((n, s) => n + (s.counts.find((c) => c.status === status)?.count ?? 0), 0);
      expect(sum, status).toBe(count);
    }
    for (const s of teamSummaries) expect(s.counts.reduce((n, c) => n + c.count, 0)).toBe(s.total);
  });

  it("team summaries follow a device that a sync moved to another team without a status change", async () => {
    const Summaries = gql<{ teamSummaries: { team: string | null; total: number }[] }>(
      "{ teamSummaries { team total } }",
    );
    const totals = async () =>
      Object.fromEntries((await server.request(Summaries)).teamSummaries.map((s) => [s.team ?? "", s.total]));
    const before = await totals();
    // From the largest team, so that it does not empty (an empty team is not listed).
    const [from, to] = Object.keys(before)
      .filter((team) => team !== "")
      .sort((a, b) => (before[b] ?? 0) - (before[a] ?? 0));
    if (!from || !to) throw new Error("fewer than two teams");
    // As a sync writes a team change it read from Fleet (the hash of Fleet's data is unchanged, so
    // the next sync keeps it): no status event, only the sync run's signals.
    const device = await server.app.db.prisma.device.findFirstOrThrow({ where: { teamName: from } });
    await server.app.db.prisma.device.update({ where: { id: device.id }, data: { teamName: to } });
    await server.request(SyncNow);
    expect(await totals()).toEqual({ ...before, [from]: (before[from] ?? 0) - 1, [to]: (before[to] ?? 0) + 1 });
    await server.app.db.prisma.device.update({ where: { id: device.id }, data: { teamName: from } });
    await server.request(SyncNow);
  });

  it("team summaries follow a device that an employee's check again found in another team, at once", async () => {
    const Summaries = gql<{ teamSummaries: { team: string | null; total: number }[] }>(
      "{ teamSummaries { team total } }",
    );
    const totals = async () =>
      Object.fromEntries((await server.request(Summaries)).teamSummaries.map((s) => [s.team ?? "", s.total]));
    const sim = server.app.runtime.sim;
    if (!sim) throw new Error("the test server runs the built-in simulator");
    const before = await totals(); // cached from here on
    const device = await server.app.db.prisma.device.findFirstOrThrow({ where: { teamName: { not: null } } });
    const from = device.teamName as string;
    const home = sim.model.profile(device.fleetHostId);
    const back = home?.teamId && home.teamName ? { id: home.teamId, name: home.teamName } : null;
    try {
      sim.model.transfer(device.fleetHostId, null);
      const checked = await server.app.runtime.scheduler.checkDevice(device.fleetHostId);
      expect(checked).toMatchObject({ ran: true, changed: false, written: true });
      // Within the cache's 30 s age limit: the check's signal dropped it.
      expect(await totals()).toEqual({ ...before, [from]: (before[from] ?? 0) - 1, "": (before[""] ?? 0) + 1 });
    } finally {
      sim.model.transfer(device.fleetHostId, back);
      await server.app.runtime.scheduler.checkDevice(device.fleetHostId);
    }
  });

  it("pages through devices with cursors, each device once", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: {
        devices: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
      } = await server.request(
        DevicesByStatus,
        {
          status: ["ENROLLED", "OFFLINE", "AGENT_INACTIVE", "MDM_PROFILE_MISSING", "PARTIALLY_ENROLLED", "UNENROLLED"],
          first: 7,
          after,
        },
        viewerToken,
      );
      seen.push(...page.devices.edges.map((e) => e.node.id));
      if (!page.devices.pageInfo.hasNextPage) break;
      after = page.devices.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(80);
    expect(new Set(seen).size).toBe(80);
  });

  it("finds a device by serial and explains it", async () => {
    const first = await server.request(DevicesByStatus, { status: ["ENROLLED"], first: 1 }, viewerToken);
    const serial = first.devices.edges[0]?.node.serial;
    if (!serial) throw new Error("no device with a serial");
    const BySerial = gql<
      {
        deviceBySerial: {
          serial: string;
          fleetHostId: number;
          history: { edges: { node: { seq: string; to: string } }[] };
        } | null;
      },
      { serial: string }
    >(
      `query($serial: String!) { deviceBySerial(serial: $serial) { serial fleetHostId history(first: 5) { edges { node { seq to } } } } }`,
    );
    const found = await server.request(BySerial, { serial }, viewerToken);
    expect(found.deviceBySerial?.serial).toBe(serial);
    expect(found.deviceBySerial?.history.edges[0]?.node.to).toBe("ENROLLED");
    expect((await server.request(BySerial, { serial: "NO-SUCH-SERIAL" }, viewerToken)).deviceBySerial).toBeNull();
  });

  it("pages status events in seq order for catch-up", async () => {
    const Events = gql<{ statusEvents: { seq: string }[] }, { afterSeq: string | null; first: number }>(
      `query($afterSeq: String, $first: Int) { statusEvents(afterSeq: $afterSeq, first: $first) { seq } }`,
    );
    const firstPage = await server.request(Events, { afterSeq: null, first: 50 }, viewerToken);
    const last = firstPage.statusEvents.at(-1)?.seq ?? "0";
    const second = await server.request(Events, { afterSeq: last, first: 50 }, viewerToken);
    const all = [...firstPage.statusEvents, ...second.statusEvents].map((e) => BigInt(e.seq));
    expect(all).toHaveLength(80);
    expect(all.every((s, i) => i === 0 || s > (all[i - 1] ?? 0n))).toBe(true);
    const bad = await server.raw(Events, { afterSeq: "-1; DROP", first: 5 }, viewerToken);
    expect(bad.body.errors?.[0]?.message).toBe(
      "afterSeq must be a status event seq: a non-negative integer as a string",
    );
  });
});

describe("unknown ids", () => {
  it("node(id:) of a missing device is null, a malformed id a clear error, and nothing is logged as an error", async () => {
    const logged = vi.spyOn(console, "error");
    try {
      const Node = gql<{ node: { id: string } | null }, { id: string }>(
        "query($id: ID!) { node(id: $id) { id ... on Device { name } } }",
      );
      for (const raw of ["Device:00000000-0000-4000-8000-000000000000", "Device:not-a-uuid"]) {
        const missing = await server.raw(Node, { id: Buffer.from(raw).toString("base64") });
        expect(missing.body, raw).toEqual({ data: { node: null } });
      }
      const garbage = await server.raw(Node, { id: "garbage" });
      expect(garbage.body.errors?.[0]?.message).toMatch(/Invalid global ID/);
      // A query without an error union: an unknown device has no messages.
      const messages = await server.raw(
        gql<{ outboundMessages: unknown[] }, { id: string }>(
          "query($id: ID) { outboundMessages(deviceId: $id) { id } }",
        ),
        { id: "garbage" },
      );
      expect(messages.body).toEqual({ data: { outboundMessages: [] } });
      // A mutation's expected NotFound is a result, not a server error.
      const send = await server.request(
        gql<{ sendRemediation: { __typename: string } }, { id: string }>(
          "mutation($id: ID!) { sendRemediation(deviceId: $id, kind: MACOS_PROFILE_GUIDE) { __typename } }",
        ),
        { id: "garbage" },
      );
      expect(send.sendRemediation.__typename).toBe("NotFoundError");
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
  });
});

describe("Server-Timing", () => {
  const post = async (query: string, token: string | null) => {
    const started = performance.now();
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [CSRF_HEADER]: "1",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query }),
    });
    await response.text();
    return { response, roundTripMs: performance.now() - started };
  };

  it("every response, refusals included, says how long the server took, within the round trip", async () => {
    for (const [query, token, status] of [
      ["{ devices(first: 50) { edges { node { name owner { email } problems { status } } } } }", ADMIN_TOKEN, 200],
      ["{ statusSummary { total } }", viewerToken, 200],
      ["{ statusSummary { total } }", null, 401],
    ] as const) {
      const { response, roundTripMs } = await post(query, token);
      expect(response.status).toBe(status);
      const serverMs = serverTimingTotal(response.headers.get("server-timing"));
      expect(serverMs, `server-timing: ${response.headers.get("server-timing")}`).not.toBeNull();
      expect(serverMs).toBeGreaterThan(0);
      expect(serverMs).toBeLessThanOrEqual(roundTripMs);
    }
  });

  it.each([
    ["total;dur=12.5", 12.5],
    ['db;dur=3, total;desc="all";dur=7.25', 7.25],
    ["db;dur=3", null],
    [null, null],
  ])("reads the total of %s", (header, expected) => {
    expect(serverTimingTotal(header)).toBe(expected);
  });
});

describe("authentication and roles", () => {
  it("refuses requests without a token or with a wrong one (401)", async () => {
    for (const token of [null, "wrong-token", `${ADMIN_TOKEN}x`]) {
      const { status, body } = await server.raw(Overview, undefined, token);
      expect(status).toBe(401);
      expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
  });

  // Arguments that would be valid for an admin, so a refusal can only come from the role check.
  const mutationCalls: Record<string, string> = {
    updateSettings: "updateSettings(input: { syncIntervalMinutes: 45 })",
    syncNow: "syncNow",
    sendRemediation: 'sendRemediation(deviceId: "$DEVICE", kind: AGENT_DOWNLOAD_LINK)',
    unenrollDevice: 'unenrollDevice(deviceId: "$DEVICE")',
    sendBulkRemediation: "sendBulkRemediation(input: { filter: { status: [OFFLINE] }, expectedMessages: 0 })",
    confirmUnenrollment: 'confirmUnenrollment(syncRunId: "00000000-0000-4000-8000-000000000000")',
    createApiToken: 'createApiToken(name: "x", role: ADMIN)',
    revokeApiToken: 'revokeApiToken(id: "00000000-0000-4000-8000-000000000000")',
    createAlertRule: 'createAlertRule(input: { name: "x", severity: LOW, statuses: [OFFLINE] })',
    updateAlertRule: 'updateAlertRule(id: "$RULE", input: { gracePeriodHours: 1 })',
    setAlertRuleEnabled: 'setAlertRuleEnabled(id: "$RULE", enabled: false)',
    deleteAlertRule: 'deleteAlertRule(id: "$RULE")',
    acknowledgeAlert: 'acknowledgeAlert(id: "00000000-0000-4000-8000-000000000000", note: "x")',
    snoozeAlert: 'snoozeAlert(id: "00000000-0000-4000-8000-000000000000", until: "2100-01-01T00:00:00Z")',
    createWebhook: 'createWebhook(input: { name: "x", url: "https://example.com/hook" })',
    updateWebhook: 'updateWebhook(id: "00000000-0000-4000-8000-000000000000", input: { name: "y" })',
    setWebhookEnabled: 'setWebhookEnabled(id: "00000000-0000-4000-8000-000000000000", enabled: false)',
    rotateWebhookSecret: 'rotateWebhookSecret(id: "00000000-0000-4000-8000-000000000000")',
    deleteWebhook: 'deleteWebhook(id: "00000000-0000-4000-8000-000000000000")',
    sendTestWebhook: 'sendTestWebhook(id: "00000000-0000-4000-8000-000000000000")',
  };

  it("every mutation of the schema refuses a VIEWER (typed FORBIDDEN) and an anonymous caller (401)", async () => {
    const fields = Object.keys(schema.getMutationType()?.getFields() ?? {});
    expect(fields.sort()).toEqual(Object.keys(mutationCalls).sort());
    const device = (await server.request(DevicesByStatus, { status: ["ENROLLED"], first: 1 })).devices.edges[0]?.node
      .id;
    if (!device) throw new Error("no device");
    const rule = (await server.app.db.prisma.alertRule.findFirstOrThrow()).id;
    const rulesBefore = await server.app.db.prisma.alertRule.findMany({ orderBy: { id: "asc" } });
    const auditBefore = await server.app.db.prisma.auditEntry.count();
    for (const field of fields) {
      const call = mutationCalls[field]?.replace("$DEVICE", device).replace("$RULE", rule);
      const doc = gql<Record<string, { __typename: string; code?: string }>>(
        `mutation { ${call} { __typename ... on ForbiddenError { code message } } }`,
      );
      const asViewer = await server.request(doc, undefined, viewerToken);
      expect(asViewer[field], field).toMatchObject({ __typename: "ForbiddenError", code: "FORBIDDEN" });
      const anonymous = await server.raw(doc, undefined, null);
      expect(anonymous.status, field).toBe(401);
    }
    // Refused calls change nothing, not even the audit log.
    expect(await server.app.db.prisma.auditEntry.count()).toBe(auditBefore);
    const settings = await server.app.db.prisma.settings.findUniqueOrThrow({ where: { id: 1 } });
    expect(settings.syncIntervalMinutes).toBe(30);
    expect(await server.app.db.prisma.alertRule.findMany({ orderBy: { id: "asc" } })).toEqual(rulesBefore);
    expect(await server.app.db.prisma.webhook.count()).toBe(0);
  });

  it("a created VIEWER token reads, and stops working once revoked", async () => {
    const created = await server.request(
      gql<{ createApiToken: { data: { secret: string; token: { id: string } } } }>(
        `mutation { createApiToken(name: "integrator", role: VIEWER) { ... on MutationCreateApiTokenSuccess { data { secret token { id } } } } }`,
      ),
    );
    const { secret, token } = created.createApiToken.data;
    expect((await server.raw(Overview, undefined, secret)).status).toBe(200);
    const stored = await server.app.db.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(stored.secretHash).not.toContain(secret);
    const revoked = await server.request(
      gql<{ revokeApiToken: { __typename: string } }, { id: string }>(
        `mutation($id: ID!) { revokeApiToken(id: $id) { __typename } }`,
      ),
      { id: token.id },
    );
    expect(revoked.revokeApiToken.__typename).toBe("MutationRevokeApiTokenSuccess");
    expect((await server.raw(Overview, undefined, secret)).status).toBe(401);
    const audit = await server.app.db.prisma.auditEntry.findMany({ where: { target: token.id } });
    expect(audit.map((a) => a.action).sort()).toEqual(["apiToken.create", "apiToken.revoke"]);
  });
});

describe("mutations", () => {
  const UpdateSettings = gql<
    {
      updateSettings:
        | {
            __typename: "MutationUpdateSettingsSuccess";
            data: { offlineAfterDays: number; autoUnenrollAfterDays: number };
          }
        | { __typename: "ValidationError"; message: string; fieldErrors: { field: string; message: string }[] };
    },
    { input: Record<string, unknown> }
  >(`mutation($input: SettingsInput!) {
    updateSettings(input: $input) {
      __typename
      ... on MutationUpdateSettingsSuccess { data { offlineAfterDays autoUnenrollAfterDays } }
      ... on ValidationError { message fieldErrors { field message } }
    }
  }`);

  it("rejects invalid settings with the field named, and changes nothing", async () => {
    const result = await server.request(UpdateSettings, { input: { offlineAfterDays: 45 } });
    expect(result.updateSettings).toEqual({
      __typename: "ValidationError",
      message: "autoUnenrollAfterDays must be greater than offlineAfterDays (45 days)",
      fieldErrors: [
        {
          field: "autoUnenrollAfterDays",
          message: "autoUnenrollAfterDays must be greater than offlineAfterDays (45 days)",
        },
      ],
    });
    const range = await server.request(UpdateSettings, { input: { syncIntervalMinutes: 2 } });
    expect(range.updateSettings).toMatchObject({ fieldErrors: [{ field: "syncIntervalMinutes" }] });
    expect((await server.app.db.prisma.settings.findUniqueOrThrow({ where: { id: 1 } })).offlineAfterDays).toBe(7);
  });

  it("applies valid settings, audited", async () => {
    const result = await server.request(UpdateSettings, { input: { offlineAfterDays: 10, autoUnenrollAfterDays: 40 } });
    expect(result.updateSettings).toEqual({
      __typename: "MutationUpdateSettingsSuccess",
      data: { offlineAfterDays: 10, autoUnenrollAfterDays: 40 },
    });
    const entry = await server.app.db.prisma.auditEntry.findFirstOrThrow({ where: { action: "settings.update" } });
    expect(entry.actor).toBe("token:ADMIN_TOKEN (environment)");
    expect(entry.after).toMatchObject({ offlineAfterDays: 10 });
    await server.request(UpdateSettings, { input: { offlineAfterDays: 7, autoUnenrollAfterDays: 30 } });
  });

  it("syncNow resolves with the finished run", async () => {
    const result = await server.request(SyncNow);
    expect(result.syncNow).toMatchObject({
      __typename: "MutationSyncNowSuccess",
      data: { state: "SUCCEEDED", hostsSeen: 80 },
    });
  });

  const SendRemediation = gql<
    {
      sendRemediation: {
        __typename: string;
        message?: string;
        fieldErrors?: { field: string }[];
        data?: { recipient: string; kind: string; state: string };
      };
    },
    { id: string; kind?: string }
  >(`mutation($id: ID!, $kind: MessageKind! = MACOS_PROFILE_GUIDE) { sendRemediation(deviceId: $id, kind: $kind) {
    __typename ... on Error { message } ... on ValidationError { fieldErrors { field } }
    ... on MutationSendRemediationSuccess { data { recipient kind state } } } }`);

  it("queues a remediation message to the owner; unknown devices are a typed NOT_FOUND", async () => {
    const page = await server.request(DevicesByStatus, { status: ["ENROLLED"], first: 80 });
    const owned = page.devices.edges.find((e) => e.node.owner && e.node.platform === "darwin")?.node;
    if (!owned?.owner) throw new Error("no owned Mac");
    const sent = await server.request(SendRemediation, { id: owned.id });
    expect(sent.sendRemediation).toMatchObject({
      __typename: "MutationSendRemediationSuccess",
      data: { recipient: owned.owner.email, kind: "MACOS_PROFILE_GUIDE" },
    });
    for (const id of [
      "nonsense",
      "RGV2aWNlOjEyMw==",
      Buffer.from("Device:00000000-0000-4000-8000-000000000000").toString("base64"),
    ]) {
      const missing = await server.request(SendRemediation, { id });
      expect(missing.sendRemediation.__typename, id).toBe("NotFoundError");
    }
  });

  it("refuses a message that means nothing for the device's platform, naming the kind, and queues nothing", async () => {
    const page = await server.request(DevicesByStatus, {
      status: ["ENROLLED", "PARTIALLY_ENROLLED", "AGENT_INACTIVE", "MDM_PROFILE_MISSING", "OFFLINE"],
      first: 80,
    });
    const owned = (platforms: string[]) =>
      page.devices.edges.find((e) => e.node.owner && platforms.includes(e.node.platform))?.node;
    const phone = owned(["ios", "ipados"]);
    const pc = owned(["windows", "ubuntu", "rhel", "chrome"]);
    if (!phone || !pc) throw new Error("no owned phone or PC in the simulated fleet");
    const queued = await server.app.db.prisma.outboundMessage.count();
    for (const [device, kind, says] of [
      [phone, "AGENT_DOWNLOAD_LINK", "no agent"],
      [pc, "MACOS_PROFILE_GUIDE", "Only Apple devices"],
    ] as const) {
      const refused = await server.request(SendRemediation, { id: device.id, kind });
      expect(refused.sendRemediation, `${kind} to ${device.platform}`).toMatchObject({
        __typename: "ValidationError",
        fieldErrors: [{ field: "kind" }],
      });
      expect(refused.sendRemediation.message).toContain(says);
    }
    expect(await server.app.db.prisma.outboundMessage.count()).toBe(queued);
    // The invitation is what a phone's owner is sent instead; its profile guide is fine too.
    const guide = await server.request(SendRemediation, { id: phone.id, kind: "MACOS_PROFILE_GUIDE" });
    expect(guide.sendRemediation.__typename).toBe("MutationSendRemediationSuccess");
  });

  const BulkPlan = gql<
    {
      bulkRemediationPlan: {
        devices: number;
        messages: number;
        recipients: number;
        overLimit: boolean;
        byKind: { kind: string; count: number }[];
        skippedEnrolled: number;
        skippedNoOwner: number;
        skippedRecentlySent: number;
      };
    },
    { filter: Record<string, unknown>; hours?: number }
  >(`query($filter: DeviceFilter, $hours: Int) { bulkRemediationPlan(filter: $filter, skipIfSentWithinHours: $hours) {
    devices messages recipients overLimit byKind { kind count } skippedEnrolled skippedNoOwner skippedRecentlySent } }`);

  const SendBulk = gql<
    {
      sendBulkRemediation: {
        __typename: string;
        message?: string;
        fieldErrors?: { field: string }[];
        data?: { queued: number; auditEntryId: string; plan: { messages: number } };
      };
    },
    { input: Record<string, unknown> }
  >(`mutation($input: BulkRemediationInput!) { sendBulkRemediation(input: $input) {
    __typename ... on Error { message } ... on ValidationError { fieldErrors { field } }
    ... on MutationSendBulkRemediationSuccess { data { queued auditEntryId plan { messages } } } } }`);

  it("messages the owners of a filter's devices in one send after a plan, and not twice", async () => {
    const filter = { status: ["OFFLINE", "AGENT_INACTIVE", "PARTIALLY_ENROLLED", "ENROLLED"] };
    const planned = (await server.request(BulkPlan, { filter }, viewerToken)).bulkRemediationPlan;
    const ofStatuses = await server.request(DevicesByStatus, { status: filter.status, first: 100 });
    const needing = ofStatuses.devices.edges.filter((e) => e.node.status !== "ENROLLED");
    expect(planned).toMatchObject({
      devices: ofStatuses.devices.totalCount,
      overLimit: false,
      skippedEnrolled: ofStatuses.devices.totalCount - needing.length,
      skippedNoOwner: needing.filter((e) => !e.node.owner).length,
      messages: needing.filter((e) => e.node.owner).length,
    });
    expect(planned.messages).toBeGreaterThan(0);
    expect(planned.byKind.reduce((sum, k) => sum + k.count, 0)).toBe(planned.messages);

    // Confirming a stale count sends nothing.
    const outboxBefore = await server.app.db.prisma.outboundMessage.count();
    const stale = await server.request(SendBulk, { input: { filter, expectedMessages: planned.messages + 1 } });
    expect(stale.sendBulkRemediation).toMatchObject({
      __typename: "ConflictError",
      message: expect.stringContaining(`now comes to ${planned.messages}`),
    });
    const badHours = await server.request(SendBulk, {
      input: { filter, expectedMessages: planned.messages, skipIfSentWithinHours: -1 },
    });
    expect(badHours.sendBulkRemediation).toMatchObject({
      __typename: "ValidationError",
      fieldErrors: [{ field: "skipIfSentWithinHours" }],
    });
    expect(await server.app.db.prisma.outboundMessage.count()).toBe(outboxBefore);

    const sent = await server.request(SendBulk, { input: { filter, expectedMessages: planned.messages } });
    expect(sent.sendBulkRemediation).toMatchObject({
      __typename: "MutationSendBulkRemediationSuccess",
      data: { queued: planned.messages },
    });
    expect(await server.app.db.prisma.outboundMessage.count()).toBe(outboxBefore + planned.messages);
    const entry = await server.app.db.prisma.auditEntry.findUniqueOrThrow({
      where: { id: sent.sendBulkRemediation.data?.auditEntryId ?? "" },
    });
    expect(entry).toMatchObject({ action: "devices.sendRemediation", actor: "token:ADMIN_TOKEN (environment)" });

    const after = (await server.request(BulkPlan, { filter })).bulkRemediationPlan;
    expect(after).toMatchObject({ messages: 0, skippedRecentlySent: planned.messages });
    const badPlan = await server.raw(BulkPlan, { filter, hours: 100_000 });
    expect(badPlan.body.errors?.[0]).toMatchObject({
      message: "skipIfSentWithinHours must be between 0 and 720.",
      extensions: { code: "BAD_USER_INPUT", argument: "skipIfSentWithinHours" },
    });
  });

  it("unenrols a device: purged in Fleet, UNENROLLED with its event, audited", async () => {
    const page = await server.request(DevicesByStatus, { status: ["ENROLLED"], first: 1 });
    const node = page.devices.edges[0]?.node;
    if (!node) throw new Error("no device");
    const Unenroll = gql<
      { unenrollDevice: { __typename: string; data?: { status: string; fleetHostId: number } } },
      { id: string }
    >(
      `mutation($id: ID!) { unenrollDevice(deviceId: $id) { __typename ... on MutationUnenrollDeviceSuccess { data { status fleetHostId } } } }`,
    );
    const result = await server.request(Unenroll, { id: node.id });
    expect(result.unenrollDevice).toMatchObject({ data: { status: "UNENROLLED" } });
    expect(server.app.runtime.sim?.model.isPurged(result.unenrollDevice.data?.fleetHostId ?? -1)).toBe(true);
    const again = await server.request(Unenroll, { id: node.id });
    expect(again.unenrollDevice.__typename).toBe("ConflictError");
  });
});

describe("abusive operations", () => {
  it("rejects a too-deep query with a clear error and keeps serving", async () => {
    const deep = `{ devices(first: 1) { edges { node { history(first: 1) { edges { node { device { history(first: 1) { edges { node { device { history(first: 1) { edges { node { device { name } } } } } } } } } } } } } } } }`;
    const result = await server.raw(gql(deep), undefined);
    expect(result.body.errors?.[0]?.message).toMatch(/depth/i);
    expect((await server.raw(Overview)).status).toBe(200);
  });

  it("rejects too many aliases", async () => {
    const aliases = Array.from({ length: 30 }, (_, i) => `a${i}: settings { syncIntervalMinutes }`).join(" ");
    const result = await server.raw(gql(`{ ${aliases} }`));
    expect(result.body.errors?.[0]?.message).toMatch(/alias/i);
  });

  it("rejects a request body over 64 KiB (413)", async () => {
    const result = await server.raw(gql(`{ settings { syncIntervalMinutes } } # ${"x".repeat(70_000)}`));
    expect(result.status).toBe(413);
  });

  it("masks unexpected errors", async () => {
    const result = await server.raw(gql(`{ devices(first: 100000) { totalCount } }`));
    expect(result.body.errors?.[0]?.message).toBeDefined();
    expect(JSON.stringify(result.body)).not.toMatch(/at .*\.ts:\d+/);
  });
});
