import { createSignal, Show } from "solid-js";
import { Notice } from "../../components/Notice.tsx";
import { detectRole, type Role } from "../../lib/session.ts";

/** Sign-in with an API token; the token is checked (and its role found) before it is kept. */
export function SignIn(props: { notice: string | null; onSignedIn(token: string, role: Role): void }) {
  const [token, setToken] = createSignal("");
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const value = token().trim();
    if (!value) {
      setError("Paste an API token.");
      return;
    }
    setBusy(true);
    setError(null);
    const check = await detectRole(value);
    setBusy(false);
    if (check.ok) props.onSignedIn(value, check.role);
    else setError(check.message);
  };

  return (
    <main class="sign-in" id="main">
      <form class="panel sign-in-panel" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">
          <span class="brand-mark" aria-hidden="true">
            ✓
          </span>
          Enrollwatch
        </h1>
        <p class="muted">Live enrolment health of your Fleet devices. Sign in with an API token.</p>
        <Show when={props.notice}>{(n) => <Notice kind="warning">{n()}</Notice>}</Show>
        <div class="form-field" classList={{ invalid: !!error() }}>
          <label for="token">API token</label>
          <input
            id="token"
            name="token"
            type="password"
            autocomplete="off"
            spellcheck={false}
            value={token()}
            onInput={(e) => setToken(e.currentTarget.value)}
            aria-invalid={error() ? "true" : undefined}
            aria-describedby={error() ? "token-error token-help" : "token-help"}
            data-testid="token-input"
          />
          <Show when={error()}>
            {(e) => (
              <p id="token-error" class="field-error" role="alert">
                {e()}
              </p>
            )}
          </Show>
          <p id="token-help" class="help">
            Kept in this tab only (session storage) and sent as a Bearer token. Viewer tokens can look; admin tokens can
            also act.
          </p>
        </div>
        <button type="submit" class="button primary" disabled={busy()} data-testid="sign-in">
          {busy() ? "Checking…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
