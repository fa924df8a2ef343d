import { createMutation } from "@urql/solid";
import { Show } from "solid-js";
import { useApp, useIsAdmin } from "../../app/context.ts";
import { PendingUnenrollment } from "../overview/PendingUnenrollment.tsx";
import { type SettingsInput, UpdateSettingsMutation } from "./documents.ts";
import { type SaveResult, SettingsForm } from "./SettingsForm.tsx";

export default function SettingsPage() {
  const { data } = useApp();
  const isAdmin = useIsAdmin();
  const [, update] = createMutation(UpdateSettingsMutation);

  const save = async (input: SettingsInput): Promise<SaveResult> => {
    const result = await update({ input });
    if (result.error) return { ok: false, message: result.error.message, fieldErrors: [] };
    const value = result.data?.updateSettings;
    if (!value) return { ok: false, message: "No answer from the server.", fieldErrors: [] };
    if (value.__typename === "MutationUpdateSettingsSuccess") return { ok: true, settings: value.data };
    return {
      ok: false,
      message: value.message,
      fieldErrors: value.__typename === "ValidationError" ? value.fieldErrors : [],
    };
  };

  return (
    <div class="page settings-page">
      <h1>Settings</h1>
      <PendingUnenrollment />
      <Show when={data.settings()} fallback={<p class="muted">Loading settings…</p>}>
        {(settings) => <SettingsForm settings={settings()} canEdit={isAdmin()} onSave={save} />}
      </Show>
    </div>
  );
}
