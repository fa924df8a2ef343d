// @vitest-environment node
import "../../test/dom.ts";
import "@testing-library/jest-dom/vitest";
import { fireEvent, render, waitFor, within } from "@solidjs/testing-library";
import { describe, expect, it, vi } from "vitest";
import type { SettingsData } from "../../lib/liveDocuments.ts";
import type { SettingsInput } from "./documents.ts";
import { diffSettings, humanize, type SaveResult, SettingsForm } from "./SettingsForm.tsx";

const settings: SettingsData = {
  syncIntervalMinutes: 30,
  agentInactiveAfterHours: 24,
  offlineAfterDays: 7,
  autoUnenrollEnabled: false,
  autoUnenrollAfterDays: 30,
  autoUnenrollMaxPercent: 10,
  resendInvitationOnUnenroll: false,
  apnsCertificateExpiresAt: null,
};

const body = () => within(document.body);

function setup(onSave: (input: SettingsInput) => Promise<SaveResult>, canEdit = true) {
  render(() => <SettingsForm settings={settings} canEdit={canEdit} onSave={onSave} />);
  return {
    field: (label: RegExp) => body().getByLabelText(label) as HTMLInputElement,
    save: () => fireEvent.click(body().getByTestId("save-settings")),
  };
}

describe("SettingsForm", () => {
  it("sends only what changed", async () => {
    const onSave = vi.fn(
      async (input: SettingsInput): Promise<SaveResult> => ({
        ok: true,
        settings: { ...settings, ...input } as SettingsData,
      }),
    );
    const form = setup(onSave);
    fireEvent.input(form.field(/Sync with Fleet every/), { target: { value: "15" } });
    fireEvent.click(form.field(/Enable auto-unenrolment/));
    form.save();
    await waitFor(() => expect(body().getByTestId("settings-message")).toHaveTextContent("Settings saved."));
    expect(onSave).toHaveBeenCalledWith({ syncIntervalMinutes: 15, autoUnenrollEnabled: true });
  });

  it("shows the server's field errors inline, next to their fields", async () => {
    const onSave = vi.fn(
      async (): Promise<SaveResult> => ({
        ok: false,
        message: "autoUnenrollAfterDays must be greater than offlineAfterDays (40 days)",
        fieldErrors: [
          {
            field: "autoUnenrollAfterDays",
            message: "autoUnenrollAfterDays must be greater than offlineAfterDays (40 days)",
          },
        ],
      }),
    );
    const form = setup(onSave);
    fireEvent.input(form.field(/Offline after/), { target: { value: "40" } });
    form.save();
    const error = await waitFor(() => body().getByTestId("error-autoUnenrollAfterDays"));
    // The server's message, in the form's words rather than field names.
    expect(error).toHaveTextContent("The auto-unenrolment delay must be greater than the offline threshold (40 days)");
    const input = form.field(/Unenrol devices offline for more than/);
    expect(input).toHaveAttribute("aria-invalid", "true");
    // Screen readers read the error with the field.
    expect(input.getAttribute("aria-describedby")).toContain(error.id);
    expect(input.closest(".form-field")).toContainElement(error);
    // The field that was edited is not blamed.
    expect(form.field(/Offline after/)).not.toHaveAttribute("aria-invalid");
    expect(body().getByTestId("settings-message")).toHaveTextContent("must be greater than");
  });

  it("refuses a value that is not a whole number before sending anything", async () => {
    const onSave = vi.fn();
    const form = setup(onSave);
    fireEvent.input(form.field(/Agent inactive after/), { target: { value: "1.5" } });
    form.save();
    await waitFor(() =>
      expect(body().getByTestId("error-agentInactiveAfterHours")).toHaveTextContent(
        "The agent-inactive threshold must be a whole number of hours",
      ),
    );
    expect(onSave).not.toHaveBeenCalled();
  });

  it("is read-only for a viewer", () => {
    const form = setup(vi.fn(), false);
    expect(form.field(/Sync with Fleet every/)).toBeDisabled();
    expect(body().queryByTestId("save-settings")).toBeNull();
    expect(body().getByText(/needs an ADMIN token/)).toBeInTheDocument();
  });
});

describe("humanize", () => {
  it("names settings in words and leaves other text alone", () => {
    expect(humanize("syncIntervalMinutes must be between 5 and 1440 minutes")).toBe(
      "The sync interval must be between 5 and 1440 minutes",
    );
    expect(humanize("fooBar is not a setting")).toBe("FooBar is not a setting");
  });
});

describe("diffSettings", () => {
  it("sets and clears the APNs expiry date", () => {
    const draft = {
      numbers: {
        syncIntervalMinutes: "30",
        agentInactiveAfterHours: "24",
        offlineAfterDays: "7",
        autoUnenrollAfterDays: "30",
        autoUnenrollMaxPercent: "10",
      },
      flags: { autoUnenrollEnabled: false, resendInvitationOnUnenroll: false },
      apnsDate: "2026-12-31",
    };
    expect(diffSettings(settings, draft).input).toEqual({ apnsCertificateExpiresAt: "2026-12-31T00:00:00.000Z" });
    const withDate = { ...settings, apnsCertificateExpiresAt: "2026-12-31T00:00:00.000Z" };
    expect(diffSettings(withDate, { ...draft, apnsDate: "" }).input).toEqual({ clearApnsCertificateExpiresAt: true });
    expect(diffSettings(withDate, draft).input).toEqual({});
  });
});
