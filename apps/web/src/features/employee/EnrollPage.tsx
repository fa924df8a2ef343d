import { createResource, createSignal, For, Match, Show, Switch } from "solid-js";
import "./enroll.css";
import { checkAgain, loadMe, type Me, type MyDevice, SessionEnded, signInWithLink } from "./employeeApi.ts";

const STATUS_WORDS: Record<string, { label: string; tone: string }> = {
  ENROLLED: { label: "✓ Correctly enrolled", tone: "ok" },
  PARTIALLY_ENROLLED: { label: "◐ Enrollment not finished", tone: "info" },
  AGENT_INACTIVE: { label: "! Agent not sending data", tone: "warn" },
  MDM_PROFILE_MISSING: { label: "⚠ Management profile missing", tone: "alt" },
  OFFLINE: { label: "✕ Not seen for a long time", tone: "bad" },
  UNENROLLED: { label: "○ Removed from management", tone: "muted" },
};

type PageState = { kind: "ready"; me: Me } | { kind: "refused"; message: string };

/**
 * Sign in with the token from the e-mail's link (then drop it from the address bar, so it is not
 * kept in history), or with the session cookie of an earlier visit.
 */
async function openPage(): Promise<PageState> {
  const url = new URL(window.location.href);
  const token = url.searchParams.get("token");
  if (token) {
    url.searchParams.delete("token");
    window.history.replaceState(null, "", url.pathname + url.search);
    const signedIn = await signInWithLink(token);
    if (!signedIn.ok) return { kind: "refused", message: signedIn.message };
  }
  try {
    return { kind: "ready", me: await loadMe() };
  } catch (error) {
    if (error instanceof SessionEnded) {
      return {
        kind: "refused",
        message:
          "To see your devices, open the link in the latest e-mail from your IT team. Links work once and expire after 7 days.",
      };
    }
    throw error;
  }
}

function DeviceCard(props: { device: MyDevice }) {
  const [device, setDevice] = createSignal(props.device);
  const [busy, setBusy] = createSignal(false);
  const [message, setMessage] = createSignal<string | null>(null);
  const words = () => STATUS_WORDS[device().status] ?? { label: device().status, tone: "muted" };

  async function check() {
    setBusy(true);
    setMessage(null);
    try {
      const result = await checkAgain(device().id);
      setDevice(result.device);
      setMessage(result.message);
    } catch (error) {
      setMessage(
        error instanceof SessionEnded
          ? "Your session has ended: open the link in your e-mail again."
          : String((error as Error).message),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <article class="enroll-device" data-testid="employee-device" aria-labelledby={`device-${device().id}`}>
      <header>
        <h2 id={`device-${device().id}`}>{device().name}</h2>
        <p class="muted">
          {device().platformName}
          <Show when={device().serial}> · serial {device().serial}</Show>
        </p>
        <p class={`enroll-status tone-${words().tone}`} data-testid="employee-status">
          {words().label}
        </p>
        {/* With the status it updates, and above the steps its words refer to ("the steps below"). */}
        <Show when={message()}>
          <p role="status" class="enroll-message" data-testid="employee-message">
            {message()}
          </p>
        </Show>
      </header>
      <p>{device().summary}</p>
      <Show when={device().steps.length > 0}>
        <h3>How to fix it</h3>
        <ol class="enroll-steps">
          <For each={device().steps}>{(step) => <li>{step}</li>}</For>
        </ol>
      </Show>
      <Show when={device().downloads.length > 0}>
        <p class="enroll-downloads">
          <For each={device().downloads}>
            {(link) => (
              <a class="button" href={link.url} rel="noopener">
                {link.label}
              </a>
            )}
          </For>
        </p>
      </Show>
      <Show when={device().status !== "ENROLLED"}>
        <button type="button" class="button primary" onClick={() => void check()} disabled={busy()}>
          {busy() ? "Checking…" : "I've done it — check again"}
        </button>
      </Show>
    </article>
  );
}

/** The self-service page every message to an employee links to. */
export default function EnrollPage() {
  const [state] = createResource(openPage);
  return (
    <main class="enroll">
      <h1>Your devices</h1>
      <Switch>
        <Match when={state.loading}>
          <p>Loading…</p>
        </Match>
        <Match when={state.error}>
          <p role="alert">Something went wrong: {String((state.error as Error).message)}. Try again in a moment.</p>
        </Match>
        <Match when={state()?.kind === "refused" && (state() as { message: string })}>
          {(refused) => (
            <p role="alert" class="enroll-refused" data-testid="employee-refused">
              {refused().message}
            </p>
          )}
        </Match>
        <Match when={state()?.kind === "ready" && (state() as { me: Me })}>
          {(ready) => (
            <>
              <p>
                Signed in as <strong>{ready().me.name ?? ready().me.email}</strong>. Here is what is wrong with each of
                your devices and how to fix it. After you have done the steps, press “I've done it — check again”.
              </p>
              <Show when={ready().me.devices.length > 0} fallback={<p>No device is registered to you.</p>}>
                <For each={ready().me.devices}>{(device) => <DeviceCard device={device} />}</For>
              </Show>
            </>
          )}
        </Match>
      </Switch>
    </main>
  );
}
