import type { AlertEvent } from "@enrollwatch/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertEventStream } from "../src/live/alertEventStream.ts";
import { gql, readSse, SyncNow, startTestServer, type TestServer, take } from "./testkit.ts";

let server: TestServer;
let viewerToken: string;
beforeAll(async () => {
  server = await startTestServer({ hosts: 80 });
  viewerToken = await server.createToken("VIEWER");
  // A few Macs lose their MDM profile, so some devices break rules whatever the simulator's seed.
  const sim = server.app.runtime.sim;
  if (!sim) throw new Error("the test server runs the built-in simulator");
  const macs = sim.model.hostIds().filter((id) => {
    const p = sim.model.profile(id);
    return p?.platform === "darwin" && p.mdm !== null;
  });
  for (const id of macs.slice(0, 4)) sim.model.setState(id, "PROFILE_REMOVED");
  const synced = await server.request(SyncNow);
  if (synced.syncNow.__typename !== "MutationSyncNowSuccess") throw new Error("first sync failed");
});
afterAll(async () => {
  await server?.stop();
});

type Result<T> = {
  __typename: string;
  data?: T;
  message?: string;
  code?: string;
  fieldErrors?: { field: string; message: string }[];
};
const ERROR_FIELDS = "... on Error { message } ... on ValidationError { code fieldErrors { field message } }";
const TRIAGE_ERROR_FIELDS = `${ERROR_FIELDS} ... on NotFoundError { code } ... on ConflictError { code }`;

const CreateRule = gql<
  {
    createAlertRule: Result<{
      id: string;
      name: string;
      openAlertCount: number;
      teams: string[];
      includeNoTeam: boolean;
    }>;
  },
  { input: Record<string, unknown> }
>(`mutation CreateRule($input: AlertRuleInput!) {
  createAlertRule(input: $input) { __typename ... on MutationCreateAlertRuleSuccess { data { id name openAlertCount teams includeNoTeam } } ${ERROR_FIELDS} }
}`);

const Alerts = gql<
  {
    alerts: {
      totalCount: number;
      edges: {
        node: {
          id: string;
          state: string;
          severity: string;
          status: string;
          rule: { name: string };
          device: { id: string; name: string };
        };
      }[];
    };
    alertSummary: { open: number; acknowledged: number; snoozed: number };
  },
  { filter?: Record<string, unknown>; first?: number }
>(`query Alerts($filter: AlertFilter, $first: Int) {
  alerts(filter: $filter, first: $first) { totalCount edges { node { id state severity status rule { name } device { id name } } } }
  alertSummary { open acknowledged snoozed }
}`);

const Acknowledge = gql<
  { acknowledgeAlert: Result<{ id: string; state: string; acknowledgedBy: string | null; note: string | null }> },
  { id: string; note?: string }
>(`mutation Ack($id: ID!, $note: String) {
  acknowledgeAlert(id: $id, note: $note) { __typename ... on MutationAcknowledgeAlertSuccess { data { id state acknowledgedBy note } } ${TRIAGE_ERROR_FIELDS} }
}`);

const Snooze = gql<{ snoozeAlert: Result<{ state: string; snoozedUntil: string }> }, { id: string; until: string }>(
  `mutation Snooze($id: ID!, $until: DateTime!) {
    snoozeAlert(id: $id, until: $until) { __typename ... on MutationSnoozeAlertSuccess { data { state snoozedUntil } } ${TRIAGE_ERROR_FIELDS} }
  }`,
);

const CreateWebhook = gql<
  { createWebhook: Result<{ secret: string; webhook: { id: string; url: string; events: string[] } }> },
  { input: Record<string, unknown> }
>(`mutation CreateWebhook($input: WebhookInput!) {
  createWebhook(input: $input) { __typename ... on MutationCreateWebhookSuccess { data { secret webhook { id url events } } } ${ERROR_FIELDS} }
}`);

const ALERT_EVENTS = `subscription AlertEvents($afterSeq: String) { alerts(afterSeq: $afterSeq) { seq kind actor alert { id state rule { name } } } }`;
type AlertEventPayload = {
  alerts: {
    seq: string;
    kind: string;
    actor: string | null;
    alert: { id: string; state: string; rule: { name: string } };
  };
};

const ANY_PROBLEM = ["PARTIALLY_ENROLLED", "AGENT_INACTIVE", "MDM_PROFILE_MISSING", "OFFLINE"];

describe("alert rules over GraphQL", () => {
  it("the default rules are seeded on first start", async () => {
    const data = await server.request(
      gql<{ alertRules: { name: string; severity: string; gracePeriodHours: number }[] }>(
        `{ alertRules { name severity gracePeriodHours } }`,
      ),
    );
    expect(data.alertRules.map((r) => r.name).sort()).toEqual(
      ["Agent inactive 1+ day", "MDM profile missing", "Offline 7+ days", "Partially enrolled 3+ days"].sort(),
    );
  });

  it.each([
    ["no status", { name: "a", severity: "LOW", statuses: [] }, "statuses"],
    ["ENROLLED", { name: "a", severity: "LOW", statuses: ["ENROLLED"] }, "statuses"],
    ["an unknown platform", { name: "a", severity: "LOW", statuses: ["OFFLINE"], platforms: ["amiga"] }, "platforms"],
    [
      "a negative grace period",
      { name: "a", severity: "LOW", statuses: ["OFFLINE"], gracePeriodHours: -3 },
      "gracePeriodHours",
    ],
    [
      "an absurd grace period",
      { name: "a", severity: "LOW", statuses: ["OFFLINE"], gracePeriodHours: 1_000_000 },
      "gracePeriodHours",
    ],
    ["a taken name", { name: "offline 7+ DAYS", severity: "LOW", statuses: ["OFFLINE"] }, "name"],
    ["a missing severity", { name: "a", statuses: ["OFFLINE"] }, "severity"],
  ])("refuses a rule with %s: a typed error naming the field, nothing stored", async (_name, input, field) => {
    const rulesBefore = await server.app.db.prisma.alertRule.count();
    const auditBefore = await server.app.db.prisma.auditEntry.count();
    const { createAlertRule } = await server.request(CreateRule, { input });
    expect(createAlertRule.__typename).toBe("ValidationError");
    expect(createAlertRule.fieldErrors?.map((e) => e.field)).toEqual([field]);
    expect(await server.app.db.prisma.alertRule.count()).toBe(rulesBefore);
    expect(await server.app.db.prisma.auditEntry.count()).toBe(auditBefore);
  });

  it("a new rule opens alerts at once for devices already breaking it; acknowledge and snooze are audited and live", async () => {
    const problems = await server.app.db.prisma.device.count({ where: { status: { in: ANY_PROBLEM as never } } });
    expect(problems).toBeGreaterThan(2);
    const head = (await server.app.db.prisma.alertEvent.aggregate({ _max: { seq: true } }))._max.seq ?? 0n;
    const live = server.wsClient().iterate<AlertEventPayload>({ query: ALERT_EVENTS });
    // Let the subscription start before the change it should see.
    await new Promise((r) => setTimeout(r, 200));

    const { createAlertRule } = await server.request(CreateRule, {
      input: { name: "Any problem", severity: "LOW", statuses: ANY_PROBLEM, gracePeriodHours: 0 },
    });
    expect(createAlertRule).toMatchObject({
      __typename: "MutationCreateAlertRuleSuccess",
      data: { openAlertCount: problems },
    });
    const ruleId = createAlertRule.data?.id as string;
    const opened = await take(live, problems);
    expect(opened.map((e) => e.data?.alerts.kind)).toEqual(Array(problems).fill("OPENED"));

    const list = await server.request(Alerts, { filter: { ruleId, state: ["OPEN"] }, first: 500 });
    expect(list.alerts.totalCount).toBe(problems);
    const [first, second] = list.alerts.edges.map((e) => e.node);
    if (!first || !second) throw new Error("need two alerts");

    const acked = await server.request(Acknowledge, { id: first.id, note: "Ticket IT-42" });
    expect(acked.acknowledgeAlert).toMatchObject({
      data: { state: "ACKNOWLEDGED", acknowledgedBy: "token:ADMIN_TOKEN (environment)", note: "Ticket IT-42" },
    });
    const [ackEvent] = await take(live, 1);
    expect(ackEvent?.data?.alerts).toMatchObject({
      kind: "ACKNOWLEDGED",
      actor: "token:ADMIN_TOKEN (environment)",
      alert: { id: first.id },
    });

    const until = new Date(Date.now() + 86_400_000).toISOString();
    expect((await server.request(Snooze, { id: second.id, until })).snoozeAlert).toMatchObject({
      data: { state: "SNOOZED", snoozedUntil: until },
    });
    const audit = await server.app.db.prisma.auditEntry.findMany({
      where: { target: { in: [first.id, second.id, ruleId] } },
    });
    expect(audit.map((a) => a.action).sort()).toEqual(["alert.acknowledge", "alert.snooze", "alertRule.create"]);

    // Resuming from where a client was replays the same events in order.
    const resumed = await take(
      server.wsClient().iterate<AlertEventPayload>({ query: ALERT_EVENTS, variables: { afterSeq: head.toString() } }),
      problems + 2,
    );
    const seqs = resumed.map((e) => Number(e.data?.alerts.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(resumed.at(-1)?.data?.alerts.kind).toBe("SNOOZED");

    // Disabling the rule resolves its alerts.
    await server.request(
      gql<{ setAlertRuleEnabled: { __typename: string } }, { id: string }>(
        `mutation($id: ID!) { setAlertRuleEnabled(id: $id, enabled: false) { __typename } }`,
      ),
      {
        id: ruleId,
      },
    );
    expect((await server.request(Alerts, { filter: { ruleId, state: ["RESOLVED"] } })).alerts.totalCount).toBe(
      problems,
    );
    await live.return?.();
  });

  it("a rule naming teams opens alerts for those teams' devices only", async () => {
    const byTeam = await server.app.db.prisma.device.groupBy({
      by: ["teamName"],
      where: { status: { in: ANY_PROBLEM as never } },
      _count: { _all: true },
    });
    const team = byTeam.find((g) => g.teamName !== null && g._count._all > 0);
    if (!team?.teamName) throw new Error("no team with a problem device");
    const { createAlertRule } = await server.request(CreateRule, {
      input: { name: `${team.teamName} problems`, severity: "LOW", statuses: ANY_PROBLEM, teams: [team.teamName] },
    });
    expect(createAlertRule).toMatchObject({ data: { openAlertCount: team._count._all } });
    const ruleId = createAlertRule.data?.id as string;
    const opened = await server.app.db.prisma.alert.findMany({ where: { ruleId }, include: { device: true } });
    expect(opened.length).toBe(team._count._all);
    expect(opened.every((a) => a.device.teamName === team.teamName)).toBe(true);
    // Disabled rather than deleted, so its history stays for the subscribers of the other tests.
    const Disable = gql<{ setAlertRuleEnabled: { __typename: string } }, { id: string }>(
      "mutation($id: ID!) { setAlertRuleEnabled(id: $id, enabled: false) { __typename } }",
    );
    await server.request(Disable, { id: ruleId });
  });

  it("a rule can name the devices in no team, alone or beside a team", async () => {
    const byTeam = await server.app.db.prisma.device.groupBy({
      by: ["teamName"],
      where: { status: { in: ANY_PROBLEM as never } },
      _count: { _all: true },
    });
    const none = byTeam.find((g) => g.teamName === null)?._count._all ?? 0;
    const team = byTeam.find((g) => g.teamName !== null && g._count._all > 0);
    if (!team?.teamName || none === 0) throw new Error("the fleet needs problem devices in a team and in none");
    const Disable = gql<{ setAlertRuleEnabled: { __typename: string } }, { id: string }>(
      "mutation($id: ID!) { setAlertRuleEnabled(id: $id, enabled: false) { __typename } }",
    );
    const alone = await server.request(CreateRule, {
      input: { name: "Problems outside teams", severity: "LOW", statuses: ANY_PROBLEM, includeNoTeam: true },
    });
    expect(alone.createAlertRule).toMatchObject({ data: { openAlertCount: none, teams: [], includeNoTeam: true } });
    const aloneId = alone.createAlertRule.data?.id as string;
    const opened = await server.app.db.prisma.alert.findMany({ where: { ruleId: aloneId }, include: { device: true } });
    expect(opened.every((a) => a.device.teamName === null)).toBe(true);
    const beside = await server.request(CreateRule, {
      input: {
        name: `${team.teamName} or no team`,
        severity: "LOW",
        statuses: ANY_PROBLEM,
        teams: [team.teamName],
        includeNoTeam: true,
      },
    });
    expect(beside.createAlertRule).toMatchObject({ data: { openAlertCount: none + team._count._all } });
    await server.request(Disable, { id: aloneId });
    await server.request(Disable, { id: beside.createAlertRule.data?.id as string });
  });

  it("a subscriber whose read waits behind a long transaction still gets its events", async () => {
    const head = (await server.app.db.prisma.alertEvent.aggregate({ _max: { seq: true } }))._max.seq ?? 0n;
    const [last] = await server.app.db.prisma.alertEvent.findMany({ orderBy: { seq: "desc" }, take: 1 });
    if (!last) throw new Error("no alert events yet");
    const replay = alertEventStream(server.app.services.pubsub, head - 1n, {})[Symbol.asyncIterator]();
    // PGlite has one connection: this holds it, as a sync's merge does, for longer than Prisma's
    // default 2 s wait for a transaction.
    let release = () => {};
    const held = server.app.db.withConnection((conn) =>
      conn.transaction(() => new Promise<void>((resolve) => (release = resolve))),
    );
    const timer = setTimeout(() => release(), 2_500);
    try {
      const first = await replay.next();
      expect((first.value as AlertEvent).seq).toBe(last.seq);
    } finally {
      clearTimeout(timer);
      release();
      await held;
      await replay.return?.();
    }
  });

  it("a device an employee's check again finds in another team breaks (and leaves) that team's rule at once", async () => {
    const sim = server.app.runtime.sim;
    if (!sim) throw new Error("the test server runs the built-in simulator");
    const device = await server.app.db.prisma.device.findFirstOrThrow({
      where: { status: { in: ANY_PROBLEM as never }, teamName: { not: "Servers" } },
    });
    const { createAlertRule } = await server.request(CreateRule, {
      input: { name: "Server problems", severity: "HIGH", statuses: ANY_PROBLEM, teams: ["Servers"] },
    });
    const ruleId = createAlertRule.data?.id as string;
    const openAlert = () =>
      server.app.db.prisma.alert.count({ where: { ruleId, deviceId: device.id, state: { not: "RESOLVED" } } });
    expect(await openAlert()).toBe(0);
    const home = sim.model.profile(device.fleetHostId);
    const teamBack = home?.teamId && home.teamName ? { id: home.teamId, name: home.teamName } : null;
    try {
      // Moved in Fleet; the status stays what it was, so no status event comes of it.
      sim.model.transfer(device.fleetHostId, { id: 5, name: "Servers" });
      const checked = await server.app.runtime.scheduler.checkDevice(device.fleetHostId);
      expect(checked).toMatchObject({ ran: true, status: device.status, changed: false, written: true });
      // No evaluation tick in between: the check itself evaluated the rules.
      expect(await openAlert()).toBe(1);
      sim.model.transfer(device.fleetHostId, teamBack);
      await server.app.runtime.scheduler.checkDevice(device.fleetHostId);
      expect(await openAlert()).toBe(0);
    } finally {
      sim.model.transfer(device.fleetHostId, teamBack);
      await server.request(
        gql<{ setAlertRuleEnabled: { __typename: string } }, { id: string }>(
          "mutation($id: ID!) { setAlertRuleEnabled(id: $id, enabled: false) { __typename } }",
        ),
        { id: ruleId },
      );
    }
  });

  it("refuses bad triage input with typed errors and changes nothing", async () => {
    const missing = await server.request(Acknowledge, { id: "00000000-0000-4000-8000-000000000000" });
    expect(missing.acknowledgeAlert).toMatchObject({ __typename: "NotFoundError", code: "NOT_FOUND" });
    expect((await server.request(Acknowledge, { id: "not-a-uuid" })).acknowledgeAlert.__typename).toBe("NotFoundError");
    const resolved = await server.app.db.prisma.alert.findFirstOrThrow({ where: { state: "RESOLVED" } });
    expect((await server.request(Acknowledge, { id: resolved.id })).acknowledgeAlert).toMatchObject({
      __typename: "ConflictError",
    });
    const open = await server.request(CreateRule, {
      input: { name: "Offline now", severity: "MEDIUM", statuses: ["OFFLINE", "AGENT_INACTIVE"] },
    });
    const ruleId = open.createAlertRule.data?.id as string;
    const alert = await server.app.db.prisma.alert.findFirstOrThrow({ where: { ruleId } });
    const past = await server.request(Snooze, { id: alert.id, until: "2000-01-01T00:00:00Z" });
    expect(past.snoozeAlert).toMatchObject({ __typename: "ValidationError", fieldErrors: [{ field: "until" }] });
    expect(await server.app.db.prisma.alert.findUniqueOrThrow({ where: { id: alert.id } })).toMatchObject({
      state: "OPEN",
    });
    const viewer = await server.raw(Acknowledge, { id: alert.id }, viewerToken);
    expect(viewer.body.data?.acknowledgeAlert.__typename).toBe("ForbiddenError");
  });

  it("a rule deleted while its events are on their way: they arrive whole, and no subscriber gets an error", async () => {
    const DeleteRule = gql<{ deleteAlertRule: { __typename: string } }, { id: string }>(
      "mutation($id: ID!) { deleteAlertRule(id: $id) { __typename } }",
    );
    const head = (await server.app.db.prisma.alertEvent.aggregate({ _max: { seq: true } }))._max.seq ?? 0n;
    const live = server.wsClient().iterate<AlertEventPayload>({ query: ALERT_EVENTS });
    await new Promise((r) => setTimeout(r, 200));
    const { createAlertRule } = await server.request(CreateRule, {
      input: { name: "Short-lived", severity: "LOW", statuses: ANY_PROBLEM },
    });
    const opened = createAlertRule.data?.openAlertCount ?? 0;
    expect(opened).toBeGreaterThan(1);
    expect((await take(live, opened)).every((e) => e.data?.alerts.alert.rule.name === "Short-lived")).toBe(true);

    // A subscriber that has read the rule's events but not been sent them all yet (a slow client).
    const replay = alertEventStream(server.app.services.pubsub, head, {
      include: { alert: { include: { rule: true } } },
    })[Symbol.asyncIterator]();
    const first = await replay.next();
    const deleted = await server.request(DeleteRule, { id: createAlertRule.data?.id as string });
    expect(deleted.deleteAlertRule.__typename).toBe("MutationDeleteAlertRuleSuccess");
    expect(await server.app.db.prisma.alertEvent.count({ where: { seq: { gt: head } } })).toBe(0);
    const rest = await take(replay, opened - 1, 2_000);
    await replay.return?.();
    // Read before the deletion, they are sent as they were, with their alert and rule.
    const events = [first.value, ...rest] as (AlertEvent & { alert: { rule: { name: string } } })[];
    expect(events.map((e) => [e.kind, e.alert.rule.name])).toEqual(Array(opened).fill(["OPENED", "Short-lived"]));

    // The live subscriber heard the deletion's RESOLVED events whole, or none of them: never an error.
    const after = await take(live, opened, 1_500);
    await live.return?.();
    expect(after.filter((e) => e.errors !== undefined)).toEqual([]);
    for (const e of after)
      expect(e.data?.alerts).toMatchObject({ kind: "RESOLVED", alert: { rule: { name: "Short-lived" } } });
  });
});

describe("alerts follow transitions outside a sync", () => {
  it("unenrolling a device resolves its alerts at once", async () => {
    const alert = await server.app.db.prisma.alert.findFirstOrThrow({
      where: { state: { not: "RESOLVED" }, rule: { name: "MDM profile missing" } },
      include: { device: true },
    });
    const globalId = Buffer.from(`Device:${alert.deviceId}`).toString("base64");
    const result = await server.request(
      gql<{ unenrollDevice: { __typename: string } }, { id: string }>(
        `mutation($id: ID!) { unenrollDevice(deviceId: $id) { __typename } }`,
      ),
      { id: globalId },
    );
    expect(result.unenrollDevice.__typename).toBe("MutationUnenrollDeviceSuccess");
    expect(await server.app.db.prisma.alert.findUniqueOrThrow({ where: { id: alert.id } })).toMatchObject({
      state: "RESOLVED",
    });
  });
});

describe("webhooks over GraphQL", () => {
  it.each([
    ["a private address", "http://10.0.0.5/hook", "private address"],
    ["loopback", "http://127.0.0.1:9/hook", "loopback address"],
    ["cloud metadata", "http://169.254.169.254/latest", "linkLocal address"],
    ["another scheme", "file:///etc/passwd", "http or https"],
  ])("refuses %s, naming the url, nothing stored", async (_name, url, message) => {
    const { createWebhook } = await server.request(CreateWebhook, { input: { name: "x", url } });
    expect(createWebhook.__typename).toBe("ValidationError");
    expect(createWebhook.fieldErrors?.[0]).toMatchObject({ field: "url" });
    expect(createWebhook.fieldErrors?.[0]?.message).toContain(message);
    expect(await server.app.db.prisma.webhook.count()).toBe(0);
  });

  it("shows the secret once: no query can read it", async () => {
    const { createWebhook } = await server.request(CreateWebhook, {
      // A literal public address (no DNS in tests); disabled, so nothing is ever posted to it.
      input: { name: "chat", url: "https://93.184.216.34/enrollwatch", events: ["OPENED"], enabled: false },
    });
    expect(createWebhook.data?.secret).toMatch(/^whsec_/);
    const readSecret = await server.raw(gql(`{ webhooks { ... on QueryWebhooksSuccess { data { secret } } } }`));
    expect(readSecret.status).toBe(400);
    expect(readSecret.body.errors?.[0]?.message).toContain('Cannot query field "secret"');
    const audit = await server.app.db.prisma.auditEntry.findFirstOrThrow({ where: { action: "webhook.create" } });
    expect(JSON.stringify(audit)).not.toContain(createWebhook.data?.secret ?? "?");
    await server.request(
      gql<{ deleteWebhook: { __typename: string } }, { id: string }>(
        `mutation($id: ID!) { deleteWebhook(id: $id) { __typename } }`,
      ),
      {
        id: createWebhook.data?.webhook.id ?? "",
      },
    );
  });
});

describe("alerts over SSE (in-process)", () => {
  it("replays alert events through yoga.fetch with text/event-stream", async () => {
    const { contentType, text } = await readSse(server.app, ALERT_EVENTS, { afterSeq: "0" }, 3);
    expect(contentType).toContain("text/event-stream");
    const seqs = [...text.matchAll(/"seq":"(\d+)"/g)].map((m) => Number(m[1]));
    expect(seqs.slice(0, 3)).toEqual([1, 2, 3]);
  });
});
