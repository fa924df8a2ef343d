import { randomUUID } from "node:crypto";
import { DATABASE_KINDS } from "@enrollwatch/db/testing";
import type { Transporter } from "nodemailer";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  BULK_REMEDIATION_MAX_DEVICES,
  type EnrollmentStatus,
  OutboxWorker,
  planBulkRemediation,
  previewBulkRemediation,
  recommendedMessage,
  redeemEmployeeLink,
  sendBulkRemediation,
  sentKey,
} from "../src/index.ts";
import { linkIn, startSmtp } from "./SmtpTestServer.ts";
import { createSyncHarness, type SyncHarness } from "./SyncHarness.ts";

const problem = (status: string, kind: string) => ({ status, causes: [], remediation: { kind, text: "" } });

describe("recommendedMessage", () => {
  it.each([
    ["ENROLLED", [], null],
    ["OFFLINE", [problem("OFFLINE", "REENROLL")], "ENROLLMENT_INVITATION"],
    ["UNENROLLED", [problem("UNENROLLED", "RESEND_INVITATION")], "ENROLLMENT_INVITATION"],
    ["PARTIALLY_ENROLLED", [problem("PARTIALLY_ENROLLED", "COMPLETE_ENROLLMENT")], "AGENT_DOWNLOAD_LINK"],
    ["AGENT_INACTIVE", [problem("AGENT_INACTIVE", "DOWNLOAD_AGENT")], "AGENT_DOWNLOAD_LINK"],
    ["MDM_PROFILE_MISSING", [problem("MDM_PROFILE_MISSING", "INSTALL_MACOS_PROFILE")], "MACOS_PROFILE_GUIDE"],
    // Only the admin can renew the APNs certificate: nothing to send the owner.
    ["MDM_PROFILE_MISSING", [problem("MDM_PROFILE_MISSING", "RENEW_APNS_CERTIFICATE")], null],
    // The problem of the device's own status decides, not the first one listed.
    [
      "MDM_PROFILE_MISSING",
      [problem("AGENT_INACTIVE", "DOWNLOAD_AGENT"), problem("MDM_PROFILE_MISSING", "INSTALL_MACOS_PROFILE")],
      "MACOS_PROFILE_GUIDE",
    ],
    ["OFFLINE", [{ status: "OFFLINE", remediation: { kind: "NO_SUCH_KIND" } }], null],
    ["OFFLINE", "not a list", null],
  ])("%s with %j sends %s", (status, problems, expected) => {
    expect(recommendedMessage(status as EnrollmentStatus, problems, "darwin")).toBe(expected);
  });

  // A phone or tablet has no agent: finishing its enrolment is the invitation; its profile guide
  // is still the profile guide (with the iPhone's steps, see MessageTemplates).
  it.each([
    ["ios", "PARTIALLY_ENROLLED", "COMPLETE_ENROLLMENT", "ENROLLMENT_INVITATION"],
    ["ipados", "PARTIALLY_ENROLLED", "COMPLETE_ENROLLMENT", "ENROLLMENT_INVITATION"],
    ["android", "PARTIALLY_ENROLLED", "COMPLETE_ENROLLMENT", "ENROLLMENT_INVITATION"],
    ["ios", "MDM_PROFILE_MISSING", "INSTALL_MACOS_PROFILE", "MACOS_PROFILE_GUIDE"],
    ["windows", "PARTIALLY_ENROLLED", "COMPLETE_ENROLLMENT", "AGENT_DOWNLOAD_LINK"],
    ["ubuntu", "AGENT_INACTIVE", "DOWNLOAD_AGENT", "AGENT_DOWNLOAD_LINK"],
  ])("on %s, %s (%s) sends %s", (platform, status, kind, expected) => {
    expect(recommendedMessage(status as EnrollmentStatus, [problem(status, kind)], platform)).toBe(expected);
  });
});

describe("planBulkRemediation", () => {
  const owner = { id: "e1", email: "ada@example.com", name: "Ada" };
  const device = (id: string, status: EnrollmentStatus, problems: unknown[], withOwner = true) => ({
    id,
    name: id,
    serial: null,
    platform: "darwin",
    status,
    problems,
    owner: withOwner ? owner : null,
  });
  const fleet = [
    device("enrolled", "ENROLLED", []),
    device("offline", "OFFLINE", [problem("OFFLINE", "REENROLL")]),
    device("agent", "AGENT_INACTIVE", [problem("AGENT_INACTIVE", "DOWNLOAD_AGENT")]),
    device("apns", "MDM_PROFILE_MISSING", [problem("MDM_PROFILE_MISSING", "RENEW_APNS_CERTIFICATE")]),
    device("orphan", "OFFLINE", [problem("OFFLINE", "REENROLL")], false),
  ];

  it("sends each device its own remedy, and says why the others get none", () => {
    const plan = planBulkRemediation(fleet, null, new Set());
    expect(plan.send.map((s) => [s.device.id, s.kind])).toEqual([
      ["offline", "ENROLLMENT_INVITATION"],
      ["agent", "AGENT_DOWNLOAD_LINK"],
    ]);
    expect(plan.skipped).toEqual({ ENROLLED: 1, NO_MESSAGE: 1, NO_OWNER: 1, RECENTLY_SENT: 0 });
    expect(plan.devices).toBe(5);
  });

  it("with a chosen message sends it to every device with a problem, never to an enrolled one", () => {
    const plan = planBulkRemediation(fleet, "MACOS_PROFILE_GUIDE", new Set());
    expect(plan.send.map((s) => s.device.id)).toEqual(["offline", "agent", "apns"]);
    expect(plan.send.every((s) => s.kind === "MACOS_PROFILE_GUIDE")).toBe(true);
    expect(plan.skipped).toEqual({ ENROLLED: 1, NO_MESSAGE: 0, NO_OWNER: 1, RECENTLY_SENT: 0 });
  });

  it("never sends a chosen message that means nothing for the device's platform", () => {
    const phone = { ...device("phone", "OFFLINE", [problem("OFFLINE", "REENROLL")]), platform: "ios" };
    const laptop = { ...device("laptop", "OFFLINE", [problem("OFFLINE", "REENROLL")]), platform: "windows" };
    const agentLinks = planBulkRemediation([phone, laptop], "AGENT_DOWNLOAD_LINK", new Set());
    expect(agentLinks.send.map((s) => s.device.id)).toEqual(["laptop"]);
    expect(agentLinks.skipped.NO_MESSAGE).toBe(1);
    const profileGuides = planBulkRemediation([phone, laptop], "MACOS_PROFILE_GUIDE", new Set());
    expect(profileGuides.send.map((s) => s.device.id)).toEqual(["phone"]);
    expect(profileGuides.skipped.NO_MESSAGE).toBe(1);
  });

  it("skips a device whose owner recently got the same message about it, not another message", () => {
    const recent = new Set([sentKey("offline", "ENROLLMENT_INVITATION"), sentKey("agent", "MACOS_PROFILE_GUIDE")]);
    const plan = planBulkRemediation(fleet, null, recent);
    expect(plan.send.map((s) => s.device.id)).toEqual(["agent"]);
    expect(plan.skipped.RECENTLY_SENT).toBe(1);
  });
});

describe.each(DATABASE_KINDS)("bulk remediation on %s", (kind) => {
  let h: SyncHarness;
  beforeEach(async () => {
    h = await createSyncHarness(kind, 60);
    for (const id of h.sim.model.hostIds()) h.sim.model.setState(id, "HEALTHY");
  });
  afterEach(async () => {
    await h.close();
  });

  const links = { agentDownloadUrl: "https://downloads.example.com/fleet-agent" };
  const enrollmentPageUrl = "https://enrollwatch.example.com/enroll";
  const offlineWhere = { status: { in: ["OFFLINE" as const] } };

  /** Delivers the outbox to a real SMTP server, with sign-in links to the employee page. */
  const deliverOver = (smtp: { transport: Transporter }) =>
    new OutboxWorker({
      prisma: h.t.db.prisma,
      transport: smtp.transport,
      from: "it@example.com",
      logger: pino({ level: "silent" }),
      enrollmentPageUrl: () => enrollmentPageUrl,
    }).deliverDue();

  async function putOffline(count: number): Promise<void> {
    for (const id of h.sim.model.hostIds().slice(0, count)) h.sim.model.setState(id, "OFFLINE");
    h.sim.clock.advance(10 * 86_400_000);
    expect((await h.runner.run()).state).toBe("SUCCEEDED");
  }

  it("messages the owners of the filter's devices through the outbox, audited, and not twice", async () => {
    await putOffline(6);
    const owned = await h.t.db.prisma.device.findMany({
      where: { ...offlineWhere, ownerId: { not: null } },
      include: { owner: true },
    });
    const request = { where: offlineWhere, kind: null, skipIfSentWithinHours: 24, now: h.now() };
    const preview = await previewBulkRemediation(h.t.db.prisma, request);
    expect(preview).toMatchObject({
      devices: 6,
      overLimit: false,
      messages: owned.length,
      recipients: new Set(owned.map((d) => d.ownerId)).size,
      byKind: [{ kind: "ENROLLMENT_INVITATION", count: owned.length }],
      skipped: { ENROLLED: 0, NO_MESSAGE: 0, NO_OWNER: 6 - owned.length, RECENTLY_SENT: 0 },
    });
    // The plan shows whom it writes to: the first messages by device name.
    const byName = [...owned].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    expect(preview.sample).toEqual(
      byName.slice(0, 10).map((d) => ({
        deviceId: d.id,
        deviceName: d.name,
        recipient: d.owner?.email,
        recipientName: d.owner?.name ?? null,
        kind: "ENROLLMENT_INVITATION",
      })),
    );
    expect(await h.t.db.prisma.outboundMessage.count()).toBe(0);

    const sent = await sendBulkRemediation(h.t.db.prisma, {
      ...request,
      expectedMessages: preview.messages,
      actor: "token:admin",
      links,
      filter: { status: ["OFFLINE"] },
    });
    expect(sent).toMatchObject({ ok: true, summary: preview });
    const messages = await h.t.db.prisma.outboundMessage.findMany();
    expect(messages.map((m) => m.deviceId).sort()).toEqual(owned.map((d) => d.id).sort());
    expect(messages.every((m) => m.kind === "ENROLLMENT_INVITATION" && m.state === "PENDING")).toBe(true);
    const perDevice = await h.t.db.prisma.auditEntry.findMany({ where: { action: "device.sendRemediation" } });
    expect(perDevice.map((a) => a.target).sort()).toEqual(owned.map((d) => d.id).sort());
    const whole = await h.t.db.prisma.auditEntry.findFirstOrThrow({ where: { action: "devices.sendRemediation" } });
    expect(whole).toMatchObject({ actor: "token:admin", target: null });
    expect(whole.after).toMatchObject({ filter: { status: ["OFFLINE"] }, kind: "RECOMMENDED", messages: owned.length });
    if (!sent.ok) throw new Error("not sent");
    expect(perDevice.every((a) => (a.after as { bulkSend?: string }).bulkSend === sent.auditEntryId)).toBe(true);

    // The owners receive them over real SMTP, each with a sign-in link.
    const smtp = await startSmtp();
    try {
      expect(await deliverOver(smtp)).toMatchObject({ sent: owned.length, failed: 0 });
      expect(smtp.received.map((m) => m.to[0]).sort()).toEqual(owned.map((d) => d.owner?.email).sort());
      expect(smtp.received.every((m) => linkIn(m)?.startsWith(enrollmentPageUrl))).toBe(true);
    } finally {
      await smtp.close();
    }

    // Sending the same again the same day reaches nobody twice; without the skip it would.
    const again = await previewBulkRemediation(h.t.db.prisma, { ...request, now: h.now() });
    expect(again).toMatchObject({ messages: 0, skipped: { RECENTLY_SENT: owned.length } });
    const noSkip = await previewBulkRemediation(h.t.db.prisma, { ...request, skipIfSentWithinHours: 0 });
    expect(noSkip.messages).toBe(owned.length);
  });

  it("an owner messaged about several devices at once can sign in from any of the messages", async () => {
    const owner = await h.t.db.prisma.employee.create({ data: { email: "three-devices@example.com", name: "Tri" } });
    await h.t.db.prisma.device.createMany({
      data: [0, 1, 2].map((i) => ({
        fleetHostId: 2_000_000 + i,
        name: `tri-${i}`,
        platform: "windows",
        status: "AGENT_INACTIVE" as const,
        statusSince: h.now(),
        ownerId: owner.id,
        problems: [problem("AGENT_INACTIVE", "DOWNLOAD_AGENT")],
      })),
    });
    const request = { where: { ownerId: owner.id }, kind: null, skipIfSentWithinHours: 24, now: h.now() };
    const sent = await sendBulkRemediation(h.t.db.prisma, {
      ...request,
      expectedMessages: 3,
      actor: "token:admin",
      links,
      filter: null,
    });
    expect(sent.ok).toBe(true);
    const smtp = await startSmtp();
    try {
      expect(await deliverOver(smtp)).toMatchObject({ sent: 3 });
      const tokens = smtp.received.map((m) => new URL(linkIn(m) ?? "http://x/").searchParams.get("token") ?? "");
      expect(new Set(tokens).size).toBe(3);
      // Whichever e-mail the owner opens, its link signs them in: each new link used to supersede
      // the one before, so only the last e-mail's worked.
      for (const token of tokens) {
        expect(await redeemEmployeeLink(h.t.db.prisma, token, h.now())).toMatchObject({
          ok: true,
          employeeId: owner.id,
        });
      }
    } finally {
      await smtp.close();
    }
  });

  it("sends nothing when the plan changed since the admin confirmed it", async () => {
    await putOffline(4);
    const request = { where: offlineWhere, kind: null, skipIfSentWithinHours: 24, now: h.now() };
    const preview = await previewBulkRemediation(h.t.db.prisma, request);
    expect(preview.messages).toBeGreaterThan(0);
    // One more device goes offline between the preview and the click.
    const next = h.sim.model
      .hostIds()
      .slice(4)
      .find((id) => h.sim.model.profile(id)?.owner);
    if (next === undefined) throw new Error("no owned host");
    h.sim.model.setState(next, "OFFLINE");
    h.sim.clock.advance(10 * 86_400_000);
    await h.runner.run();
    const auditBefore = await h.t.db.prisma.auditEntry.count();
    const result = await sendBulkRemediation(h.t.db.prisma, {
      ...request,
      now: h.now(),
      expectedMessages: preview.messages,
      actor: "token:admin",
      links,
      filter: null,
    });
    expect(result).toMatchObject({ ok: false, reason: "PLAN_CHANGED", summary: { messages: preview.messages + 1 } });
    if (result.ok) throw new Error("sent");
    expect(result.message).toMatch(/now comes to \d+ messages, not \d+.*Nothing was sent/);
    expect(await h.t.db.prisma.outboundMessage.count()).toBe(0);
    expect(await h.t.db.prisma.auditEntry.count()).toBe(auditBefore);
  });

  it("catches a change that keeps the count, and refuses the same send made twice", async () => {
    const owned = h.sim.model.hostIds().filter((id) => h.sim.model.profile(id)?.owner);
    const [first, second, third, swapIn] = owned;
    if (swapIn === undefined) throw new Error("too few owned hosts");
    for (const id of [first, second, third]) if (id !== undefined) h.sim.model.setState(id, "OFFLINE");
    h.sim.clock.advance(10 * 86_400_000);
    await h.runner.run();
    const request = { where: offlineWhere, kind: null, skipIfSentWithinHours: 0, now: h.now() };
    const planned = await previewBulkRemediation(h.t.db.prisma, request);
    expect(planned.messages).toBe(3);
    // One comes back, another goes: still three messages, to other devices.
    if (first !== undefined) h.sim.model.fix(first);
    h.sim.model.setState(swapIn, "OFFLINE");
    h.sim.clock.advance(10 * 86_400_000);
    await h.runner.run();
    const send = (plan: { messages: number; fingerprint: string }) =>
      sendBulkRemediation(h.t.db.prisma, {
        ...request,
        now: h.now(),
        expectedMessages: plan.messages,
        expectedFingerprint: plan.fingerprint,
        actor: "token:admin",
        links,
        filter: null,
      });
    const stale = await send(planned);
    expect(stale).toMatchObject({ ok: false, reason: "PLAN_CHANGED", summary: { messages: 3 } });
    expect(await h.t.db.prisma.outboundMessage.count()).toBe(0);

    const fresh = await previewBulkRemediation(h.t.db.prisma, { ...request, now: h.now() });
    expect(fresh.fingerprint).not.toBe(planned.fingerprint);
    expect(await send(fresh)).toMatchObject({ ok: true });
    // With the skip off the plan is the same again: a retry or a second admin, refused as a repeat.
    const again = await send(fresh);
    expect(again).toMatchObject({ ok: false, reason: "REPEATED" });
    expect(await h.t.db.prisma.outboundMessage.count()).toBe(3);
    // Later than the repeat window, the same send is a decision of its own and goes out.
    h.sim.clock.advance(11 * 60_000);
    expect(await send(fresh)).toMatchObject({ ok: true });
    expect(await h.t.db.prisma.outboundMessage.count()).toBe(6);
  });

  it("refuses a filter over the limit and writes nothing", async () => {
    const statusSince = h.now();
    const owner = await h.t.db.prisma.employee.create({ data: { email: "many@example.com" } });
    await h.t.db.prisma.device.createMany({
      data: Array.from({ length: BULK_REMEDIATION_MAX_DEVICES + 1 }, (_, i) => ({
        id: randomUUID(),
        fleetHostId: 1_000_000 + i,
        name: `bulk-${i}`,
        platform: "windows",
        status: "AGENT_INACTIVE" as const,
        statusSince,
        ownerId: owner.id,
        problems: [problem("AGENT_INACTIVE", "DOWNLOAD_AGENT")],
      })),
    });
    const where = { name: { startsWith: "bulk-" } };
    const request = { where, kind: null, skipIfSentWithinHours: 24, now: h.now() };
    expect(await previewBulkRemediation(h.t.db.prisma, request)).toMatchObject({
      devices: BULK_REMEDIATION_MAX_DEVICES + 1,
      overLimit: true,
      messages: 0,
    });
    const result = await sendBulkRemediation(h.t.db.prisma, {
      ...request,
      expectedMessages: BULK_REMEDIATION_MAX_DEVICES + 1,
      actor: "token:admin",
      links,
      filter: null,
    });
    expect(result).toMatchObject({ ok: false, reason: "OVER_LIMIT" });
    expect(await h.t.db.prisma.outboundMessage.count()).toBe(0);

    // One device fewer is within the limit and goes out in one send.
    await h.t.db.prisma.device.delete({ where: { fleetHostId: 1_000_000 } });
    const fits = await previewBulkRemediation(h.t.db.prisma, request);
    expect(fits).toMatchObject({ devices: BULK_REMEDIATION_MAX_DEVICES, messages: BULK_REMEDIATION_MAX_DEVICES });
    const ok = await sendBulkRemediation(h.t.db.prisma, {
      ...request,
      expectedMessages: fits.messages,
      actor: "token:admin",
      links,
      filter: null,
    });
    expect(ok.ok).toBe(true);
    expect(await h.t.db.prisma.outboundMessage.count()).toBe(BULK_REMEDIATION_MAX_DEVICES);
  });
});
