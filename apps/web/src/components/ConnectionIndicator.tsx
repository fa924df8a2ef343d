import { Show } from "solid-js";
import type { ConnectionState } from "../lib/live.ts";

const LABELS: Record<ConnectionState, { text: string; title: string }> = {
  connecting: { text: "Connecting…", title: "Opening the live connection to the server." },
  live: { text: "Live", title: "Connected: changes appear as they happen." },
  reconnecting: {
    text: "Reconnecting…",
    title: "The live connection dropped. Retrying; missed changes will be caught up.",
  },
  offline: {
    text: "Offline",
    title: "The server cannot be reached. Still retrying; what you see may be out of date.",
  },
};

/** The live connection's state in words (and a dot), with a way to retry at once when it is down. */
export function ConnectionIndicator(props: { state: ConnectionState; onRetry(): void }) {
  return (
    <div class="connection" data-state={props.state} data-testid="connection">
      <span class="connection-dot" aria-hidden="true" />
      <span role="status" title={LABELS[props.state].title} data-testid="connection-label">
        {LABELS[props.state].text}
      </span>
      <Show when={props.state === "reconnecting" || props.state === "offline"}>
        <button type="button" class="link-button" onClick={() => props.onRetry()}>
          Retry now
        </button>
      </Show>
    </div>
  );
}
