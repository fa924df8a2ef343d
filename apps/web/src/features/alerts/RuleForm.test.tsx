// @vitest-environment node
import "../../test/dom.ts";
import "@testing-library/jest-dom/vitest";
import { fireEvent, render, waitFor, within } from "@solidjs/testing-library";
import { describe, expect, it, vi } from "vitest";
import type { AlertRule, AlertRuleInput } from "./documents.ts";
import { RuleForm, type RuleSaveOutcome } from "./RuleForm.tsx";

const body = () => within(document.body);

function setup(onSave: (input: AlertRuleInput) => Promise<RuleSaveOutcome>, teams: string[] = []) {
  render(() => <RuleForm rule={null} teams={teams} onSave={onSave} onCancel={() => {}} />);
  return {
    field: (label: RegExp | string) => body().getByLabelText(label) as HTMLInputElement,
    save: () => fireEvent.click(body().getByTestId("save-rule")),
  };
}

/** A saved rule as the rules list hands it to the form: LOW, OFFLINE, every team unless said. */
function storedRule(fields: Pick<AlertRule, "id" | "name"> & Partial<AlertRule>): AlertRule {
  return {
    enabled: true,
    severity: "LOW",
    statuses: ["OFFLINE"],
    platforms: [],
    teams: [],
    includeNoTeam: false,
    gracePeriodHours: 0,
    adminNotification: "NONE",
    adminEmails: [],
    remindEmployee: false,
    notifyWebhooks: true,
    openAlertCount: 0,
    ...fields,
  };
}

describe("RuleForm", () => {
  it("checks the rule before sending anything, next to each field", async () => {
    const onSave = vi.fn();
    const form = setup(onSave);
    fireEvent.input(form.field("Name"), { target: { value: "Slow" } });
    fireEvent.input(form.field("Grace period"), { target: { value: "99999" } });
    form.save();
    const grace = await waitFor(() => body().getByTestId("rule-error-gracePeriodHours"));
    expect(grace).toHaveTextContent("The grace period must be between 0 and 8760 hours");
    expect(form.field("Grace period")).toHaveAttribute("aria-invalid", "true");
    expect(form.field("Grace period").getAttribute("aria-describedby")).toContain(grace.id);
    expect(body().getByTestId("rule-error-statuses")).toHaveTextContent("Statuses must name at least one status");
    expect(onSave).not.toHaveBeenCalled();
  });

  it("shows the server's field errors next to the field they name", async () => {
    const onSave = vi.fn(
      async (): Promise<RuleSaveOutcome> => ({
        ok: false,
        message: 'a rule named "Offline" already exists',
        fieldErrors: [{ field: "name", message: 'a rule named "Offline" already exists' }],
      }),
    );
    const form = setup(onSave);
    fireEvent.input(form.field("Name"), { target: { value: "Offline" } });
    fireEvent.click(form.field("Offline"));
    fireEvent.input(form.field("Grace period"), { target: { value: "168" } });
    expect(body().getByTestId("grace-hint")).toHaveTextContent("7 days");
    form.save();
    const error = await waitFor(() => body().getByTestId("rule-error-name"));
    expect(error).toHaveTextContent('A rule named "Offline" already exists');
    expect(form.field("Name").closest(".form-field")).toContainElement(error);
    expect(form.field("Grace period")).not.toHaveAttribute("aria-invalid");
    expect(onSave).toHaveBeenCalledWith(
      expect.objectContaining({ name: "Offline", statuses: ["OFFLINE"], gracePeriodHours: 168, platforms: [] }),
    );
  });

  it("offers the fleet's teams, and sends the checked ones (none: every team)", async () => {
    const onSave = vi.fn(async (): Promise<RuleSaveOutcome> => ({ ok: false, message: "not saved", fieldErrors: [] }));
    const form = setup(onSave, ["Workstations", "Engineering"]);
    const teams = body().getByRole("group", { name: "Teams" });
    expect(
      within(teams)
        .getAllByRole("checkbox")
        .map((c) => c.closest("label")?.textContent),
    ).toEqual(["Engineering", "Workstations", "No team"]);
    fireEvent.input(form.field("Name"), { target: { value: "Engineering offline" } });
    fireEvent.click(form.field("Offline"));
    fireEvent.click(within(teams).getByLabelText("Engineering"));
    form.save();
    await waitFor(() => expect(onSave).toHaveBeenCalledWith(expect.objectContaining({ teams: ["Engineering"] })));
  });

  it("can choose the devices in no team, beside a team or alone", async () => {
    const onSave = vi.fn(async (): Promise<RuleSaveOutcome> => ({ ok: false, message: "not saved", fieldErrors: [] }));
    const form = setup(onSave, ["Engineering"]);
    const teams = body().getByRole("group", { name: "Teams" });
    fireEvent.input(form.field("Name"), { target: { value: "Unassigned offline" } });
    fireEvent.click(form.field("Offline"));
    fireEvent.click(within(teams).getByLabelText("No team"));
    form.save();
    await waitFor(() =>
      expect(onSave).toHaveBeenLastCalledWith(expect.objectContaining({ teams: [], includeNoTeam: true })),
    );
    fireEvent.click(within(teams).getByLabelText("Engineering"));
    form.save();
    await waitFor(() =>
      expect(onSave).toHaveBeenLastCalledWith(expect.objectContaining({ teams: ["Engineering"], includeNoTeam: true })),
    );
  });

  it("shows no team choice for a fleet without teams", () => {
    setup(vi.fn());
    expect(body().queryByRole("group", { name: "Teams" })).toBeNull();
  });

  it("keeps offering a rule's own team that no device is in any more, ticked or not", () => {
    const rule = storedRule({ id: "r1", name: "Lab offline", teams: ["Old lab"] });
    render(() => <RuleForm rule={rule} teams={[]} onSave={vi.fn()} onCancel={() => {}} />);
    const box = () =>
      within(body().getByRole("group", { name: "Teams" })).getByLabelText("Old lab") as HTMLInputElement;
    expect(box().checked).toBe(true);
    fireEvent.click(box());
    expect(box().checked).toBe(false);
  });

  it("keeps a rule's 'No team' choice open to change in a fleet without teams", async () => {
    const onSave = vi.fn(async (): Promise<RuleSaveOutcome> => ({ ok: false, message: "not saved", fieldErrors: [] }));
    const rule = storedRule({ id: "r2", name: "Unassigned offline", includeNoTeam: true });
    render(() => <RuleForm rule={rule} teams={[]} onSave={onSave} onCancel={() => {}} />);
    const box = within(body().getByRole("group", { name: "Teams" })).getByLabelText("No team") as HTMLInputElement;
    expect(box.checked).toBe(true);
    fireEvent.click(box);
    fireEvent.click(body().getByRole("button", { name: /save/i }));
    await waitFor(() => expect(onSave).toHaveBeenCalledWith(expect.objectContaining({ includeNoTeam: false })));
  });
});
