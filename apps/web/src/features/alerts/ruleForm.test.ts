// @vitest-environment node
import { describe, expect, it } from "vitest";
import {
  draftOfRule,
  emptyDraft,
  humanizeRuleMessage,
  parseEmails,
  type RuleDraft,
  validateRuleDraft,
  validateWebhookDraft,
} from "./ruleForm.ts";

const valid: RuleDraft = { ...emptyDraft(), name: "Offline 2+ days", statuses: ["OFFLINE"], gracePeriodHours: "48" };
const fields = (draft: RuleDraft) => validateRuleDraft(draft).errors.map((e) => e.field);

describe("validateRuleDraft", () => {
  it("turns a valid draft into the whole rule input", () => {
    const { input, errors } = validateRuleDraft({
      ...valid,
      name: "  Offline 2+ days ",
      adminNotification: "IMMEDIATE",
      adminEmails: "IT@example.com, ops@example.com\nit@example.com",
    });
    expect(errors).toEqual([]);
    expect(input).toMatchObject({
      name: "Offline 2+ days",
      statuses: ["OFFLINE"],
      gracePeriodHours: 48,
      adminNotification: "IMMEDIATE",
      adminEmails: ["it@example.com", "ops@example.com"],
    });
  });

  it("needs at least one status, and never ENROLLED", () => {
    expect(validateRuleDraft({ ...valid, statuses: [] }).errors).toEqual([
      { field: "statuses", message: "statuses must name at least one status" },
    ]);
    expect(fields({ ...valid, statuses: ["ENROLLED", "OFFLINE"] })).toEqual(["statuses"]);
  });

  it("takes whole hours from 0 to a year", () => {
    expect(fields({ ...valid, gracePeriodHours: "0" })).toEqual([]);
    expect(fields({ ...valid, gracePeriodHours: "8760" })).toEqual([]);
    expect(validateRuleDraft({ ...valid, gracePeriodHours: "99999" }).errors).toEqual([
      { field: "gracePeriodHours", message: "gracePeriodHours must be between 0 and 8760 hours" },
    ]);
    expect(fields({ ...valid, gracePeriodHours: "-1" })).toEqual(["gracePeriodHours"]);
    expect(validateRuleDraft({ ...valid, gracePeriodHours: "1.5" }).errors[0]?.message).toBe(
      "gracePeriodHours must be a whole number of hours",
    );
    expect(fields({ ...valid, gracePeriodHours: "" })).toEqual(["gracePeriodHours"]);
  });

  it("needs e-mail addresses when admins are e-mailed, and real-looking ones", () => {
    expect(validateRuleDraft({ ...valid, adminNotification: "DAILY_DIGEST" }).errors).toEqual([
      {
        field: "adminEmails",
        message: "adminEmails must name at least one address when adminNotification is DAILY_DIGEST",
      },
    ]);
    expect(fields({ ...valid, adminEmails: "it@example.com, nobody" })).toEqual(["adminEmails"]);
    const many = Array.from({ length: 21 }, (_, i) => `a${i}@example.com`).join(",");
    expect(fields({ ...valid, adminEmails: many })).toEqual(["adminEmails"]);
  });

  it("needs a name of at most 100 characters", () => {
    expect(fields({ ...valid, name: "   " })).toEqual(["name"]);
    expect(fields({ ...valid, name: "x".repeat(101) })).toEqual(["name"]);
  });

  it("edits a stored rule as it is", () => {
    const draft = draftOfRule({
      id: "r1",
      name: "MDM profile missing",
      enabled: true,
      severity: "HIGH",
      statuses: ["MDM_PROFILE_MISSING"],
      platforms: ["darwin"],
      teams: ["Engineering"],
      includeNoTeam: true,
      gracePeriodHours: 0,
      adminNotification: "IMMEDIATE",
      adminEmails: ["it@example.com", "ops@example.com"],
      remindEmployee: false,
      notifyWebhooks: true,
      openAlertCount: 3,
    });
    expect(draft.adminEmails).toBe("it@example.com, ops@example.com");
    expect(validateRuleDraft(draft).input).toMatchObject({ teams: ["Engineering"], includeNoTeam: true });
    expect(validateRuleDraft(draft).errors).toEqual([]);
  });
});

describe("parseEmails", () => {
  it("splits on commas, semicolons, spaces and new lines", () => {
    expect(parseEmails(" a@x.io,b@x.io;\nc@x.io  ")).toEqual(["a@x.io", "b@x.io", "c@x.io"]);
    expect(parseEmails("")).toEqual([]);
  });
});

describe("humanizeRuleMessage", () => {
  it("names fields in words", () => {
    expect(humanizeRuleMessage("gracePeriodHours must be between 0 and 8760 hours")).toBe(
      "The grace period must be between 0 and 8760 hours",
    );
    expect(humanizeRuleMessage('a rule named "X" already exists')).toBe('A rule named "X" already exists');
    expect(humanizeRuleMessage("url host example.com does not resolve")).toBe(
      "The URL host example.com does not resolve",
    );
  });
});

describe("validateWebhookDraft", () => {
  it("needs a name, an http(s) URL and at least one event", () => {
    expect(validateWebhookDraft({ name: "Slack", url: "https://hooks.example.com/x", events: ["OPENED"] })).toEqual([]);
    expect(validateWebhookDraft({ name: "", url: "ftp://example.com", events: [] }).map((e) => e.field)).toEqual([
      "name",
      "url",
      "events",
    ]);
    expect(validateWebhookDraft({ name: "x", url: "", events: ["OPENED"] })).toEqual([
      { field: "url", message: "url is required" },
    ]);
  });
});
