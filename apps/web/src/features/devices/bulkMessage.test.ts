// @vitest-environment node
import { describe, expect, it } from "vitest";
import { describePlan } from "./bulkMessage.ts";
import type { BulkRemediationPlan } from "./documents.ts";

const plan = (over: Partial<BulkRemediationPlan> = {}): BulkRemediationPlan => ({
  fingerprint: "f",
  devices: 0,
  limit: 2000,
  overLimit: false,
  messages: 0,
  recipients: 0,
  byKind: [],
  skippedEnrolled: 0,
  skippedNoMessage: 0,
  skippedNoOwner: 0,
  skippedRecentlySent: 0,
  sample: [],
  ...over,
});

describe("describePlan", () => {
  it("says how many messages go to how many people, of which kinds, and why others get none", () => {
    const wording = describePlan(
      plan({
        devices: 1204,
        messages: 12,
        recipients: 10,
        byKind: [
          { kind: "AGENT_DOWNLOAD_LINK", count: 11 },
          { kind: "ENROLLMENT_INVITATION", count: 1 },
        ],
        skippedEnrolled: 1180,
        skippedNoOwner: 2,
        skippedRecentlySent: 9,
        skippedNoMessage: 1,
      }),
      24,
    );
    expect(wording).toEqual({
      headline: "1,204 devices match the filter: 12 messages to 10 people.",
      kinds: "11 agent download links and 1 re-enrolment invitation",
      skipped:
        "Not messaged: 1,180 enrolled (nothing to fix), 2 without a known owner, 9 whose owner got the same message in the last 24 hours and 1 waiting for the APNs certificate to be renewed (in FleetDM, not by the owner).",
      confirmLabel: "Send 12 messages",
      canSend: true,
    });
  });

  it("reads in the singular for one", () => {
    const wording = describePlan(
      plan({ devices: 1, messages: 1, recipients: 1, byKind: [{ kind: "MACOS_PROFILE_GUIDE", count: 1 }] }),
      1,
    );
    expect(wording.headline).toBe("1 device matches the filter: 1 message to 1 person.");
    expect(wording.kinds).toBe("1 profile guide");
    expect(wording.skipped).toBeNull();
    expect(wording.confirmLabel).toBe("Send 1 message");
  });

  it("says which devices a chosen message means nothing for", () => {
    const skipped = (kind: "AGENT_DOWNLOAD_LINK" | "MACOS_PROFILE_GUIDE") =>
      describePlan(plan({ devices: 5, messages: 3, recipients: 3, skippedNoMessage: 2 }), 24, kind).skipped;
    expect(skipped("AGENT_DOWNLOAD_LINK")).toBe("Not messaged: 2 phones or tablets (no agent to install).");
    expect(skipped("MACOS_PROFILE_GUIDE")).toBe("Not messaged: 2 not made by Apple (no profile to install).");
  });

  it("cannot send when nothing is left to send, or when the filter matches over the limit", () => {
    const none = describePlan(plan({ devices: 3, skippedRecentlySent: 3 }), 24);
    expect(none).toMatchObject({
      headline: "3 devices match the filter; none of them gets a message.",
      canSend: false,
    });
    const over = describePlan(plan({ devices: 100_000, overLimit: true }), 24);
    expect(over.canSend).toBe(false);
    expect(over.headline).toMatch(/^100,000 devices match the filter; one send may message at most 2,000\./);
  });
});
