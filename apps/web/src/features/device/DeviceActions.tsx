import { createMutation } from "@urql/solid";
import { createSignal, For, Show } from "solid-js";
import { ConfirmDialog } from "../../components/ConfirmDialog.tsx";
import { Notice } from "../../components/Notice.tsx";
import { type ActionOutcome, outcomeOf } from "../../lib/mutation.ts";
import {
  type DeviceDetail,
  type MessageKind,
  type OutboundMessage,
  SendRemediationMutation,
  UnenrollDeviceMutation,
} from "./documents.ts";

type Action = { kind: "message"; message: MessageKind } | { kind: "unenroll" };

interface ActionInfo {
  label: string;
  title: string;
  explain: (d: DeviceDetail) => string;
  success: string;
}

/** The device in words for the profile guide: its steps differ between a Mac and an iPhone. */
const PROFILE_DEVICE: Record<string, string> = { darwin: "macOS", ios: "iPhone", ipados: "iPad" };
const profileDevice = (d: DeviceDetail) => PROFILE_DEVICE[d.platform.toLowerCase()] ?? "macOS";

const MESSAGE_ACTIONS: Record<MessageKind, (d: DeviceDetail) => ActionInfo> = {
  ENROLLMENT_INVITATION: () => ({
    label: "Send re-enrolment invitation",
    title: "Send a re-enrolment invitation?",
    explain: (d) =>
      `${recipient(d)} will receive an e-mail inviting them to enrol ${d.name} again (the article's remedy for an offline or unenrolled device).`,
    success: "Re-enrolment invitation queued",
  }),
  AGENT_DOWNLOAD_LINK: () => ({
    label: "Send agent download link",
    title: "Send the agent download link?",
    explain: (d) =>
      `${recipient(d)} will receive a link to their enrolment page, where they click on ${d.name} and download the agent.`,
    success: "Agent download link queued",
  }),
  MACOS_PROFILE_GUIDE: (device) => {
    const what = profileDevice(device);
    return {
      label: `Send ${what} profile guide`,
      title: `Send the ${what} profile guide?`,
      explain: (d) =>
        what === "macOS"
          ? `${recipient(d)} will receive the guide's "Installation on macOS" steps to install the MDM profile on ${d.name} again.`
          : `${recipient(d)} will receive the ${what}'s steps (Settings › General › VPN & Device Management) to install the MDM profile on ${d.name} again.`,
      success: `${what} profile guide queued`,
    };
  },
};

function recipient(d: DeviceDetail): string {
  return d.owner ? (d.owner.name ? `${d.owner.name} <${d.owner.email}>` : d.owner.email) : "The owner";
}

/**
 * The remediation buttons (ADMIN only; the caller decides). Each asks first, then shows the typed
 * result: the success, or the error union's own message (e.g. a device without an owner).
 */
export function DeviceActions(props: { device: DeviceDetail; onDone(): void }) {
  const [sendState, send] = createMutation(SendRemediationMutation);
  const [unenrollState, unenroll] = createMutation(UnenrollDeviceMutation);
  const [asking, setAsking] = createSignal<Action | null>(null);
  const [outcome, setOutcome] = createSignal<ActionOutcome<string>>();
  const recommended = () => props.device.recommendedMessage;
  const action = (kind: MessageKind) => MESSAGE_ACTIONS[kind](props.device);

  const run = async () => {
    const action = asking();
    if (!action) return;
    let result: ActionOutcome<string>;
    if (action.kind === "message") {
      const r = outcomeOf<OutboundMessage>(
        await send({ deviceId: props.device.id, kind: action.message }),
        "sendRemediation",
      );
      result = r.ok
        ? {
            ok: true,
            data: `${MESSAGE_ACTIONS[action.message](props.device).success} for ${r.data.recipient} (${r.data.state.toLowerCase()}).`,
          }
        : r;
    } else {
      const r = outcomeOf<{ id: string; status: string }>(
        await unenroll({ deviceId: props.device.id }),
        "unenrollDevice",
      );
      result = r.ok ? { ok: true, data: `${props.device.name} was purged from Fleet and is now unenrolled.` } : r;
    }
    setAsking(null);
    setOutcome(result);
    props.onDone();
  };

  const dialogInfo = () => {
    const action = asking();
    if (!action) return { title: "", body: "", confirm: "" };
    if (action.kind === "unenroll") {
      return {
        title: `Unenrol ${props.device.name}?`,
        body: `The device is purged from Fleet and marked Unenrolled. Its owner is re-invited only if "resend invitation" is on in Settings.`,
        confirm: "Unenrol",
      };
    }
    const info = MESSAGE_ACTIONS[action.message](props.device);
    return { title: info.title, body: info.explain(props.device), confirm: "Send" };
  };

  return (
    <section class="panel" aria-labelledby="actions-title" data-testid="device-actions">
      <h2 id="actions-title">Actions</h2>
      <div class="action-buttons">
        {/* Only what applies to the platform: an iPhone has no agent, a PC takes no Apple profile. */}
        <For each={props.device.messageKinds}>
          {(kind) => (
            <button
              type="button"
              class={`button ${recommended() === kind ? "primary" : ""}`}
              onClick={() => setAsking({ kind: "message", message: kind })}
              data-testid={`action-${kind}`}
            >
              {action(kind).label}
              <Show when={recommended() === kind}>
                <span class="tag">Recommended</span>
              </Show>
            </button>
          )}
        </For>
        <button
          type="button"
          class="button danger"
          onClick={() => setAsking({ kind: "unenroll" })}
          disabled={props.device.status === "UNENROLLED"}
          data-testid="action-UNENROLL"
        >
          Unenrol…
        </button>
      </div>
      <Show when={outcome()} keyed>
        {(value) => {
          return value.ok ? (
            <Notice kind="success" testid="action-result">
              {value.data}
            </Notice>
          ) : (
            <Notice kind="error" testid="action-result">
              {value.message}
            </Notice>
          );
        }}
      </Show>
      <ConfirmDialog
        open={asking() !== null}
        title={dialogInfo().title}
        confirmLabel={dialogInfo().confirm}
        danger={asking()?.kind === "unenroll"}
        busy={sendState.fetching || unenrollState.fetching}
        onConfirm={run}
        onCancel={() => setAsking(null)}
      >
        <p>{dialogInfo().body}</p>
      </ConfirmDialog>
    </section>
  );
}
