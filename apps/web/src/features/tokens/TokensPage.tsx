import { createMutation, createQuery } from "@urql/solid";
import { createSignal, For, Show } from "solid-js";
import { useIsAdmin } from "../../app/context.ts";
import { ConfirmDialog } from "../../components/ConfirmDialog.tsx";
import { Notice } from "../../components/Notice.tsx";
import { formatDateTime, formatRelative } from "../../lib/format.ts";
import { type ActionOutcome, outcomeOf } from "../../lib/mutation.ts";
import type { Role } from "../../lib/session.ts";
import { type ApiToken, ApiTokensQuery, CreateApiTokenMutation, RevokeApiTokenMutation } from "./documents.ts";

/** API tokens for integrators and for other admins/viewers of this dashboard (ADMIN only). */
export default function TokensPage() {
  const isAdmin = useIsAdmin();
  const [result, refetch] = createQuery({ query: ApiTokensQuery, pause: () => !isAdmin() });
  const [createState, create] = createMutation(CreateApiTokenMutation);
  const [revokeState, revoke] = createMutation(RevokeApiTokenMutation);
  const [name, setName] = createSignal("");
  const [role, setRole] = createSignal<Role>("VIEWER");
  const [created, setCreated] = createSignal<ActionOutcome<{ secret: string; token: ApiToken }>>();
  const [revoking, setRevoking] = createSignal<ApiToken | null>(null);
  const [revokeOutcome, setRevokeOutcome] = createSignal<ActionOutcome<ApiToken>>();
  const tokens = () => {
    const value = result.data?.apiTokens;
    return value?.__typename === "QueryApiTokensSuccess" ? value.data : [];
  };
  const reload = () => refetch({ requestPolicy: "network-only" });

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const outcome = outcomeOf<{ secret: string; token: ApiToken }>(
      await create({ name: name(), role: role() }),
      "createApiToken",
    );
    setCreated(outcome);
    if (outcome.ok) {
      setName("");
      reload();
    }
  };

  const doRevoke = async () => {
    const token = revoking();
    if (!token) return;
    const outcome = outcomeOf<ApiToken>(await revoke({ id: token.id }), "revokeApiToken");
    setRevokeOutcome(outcome);
    setRevoking(null);
    reload();
  };

  return (
    <div class="page">
      <h1>API tokens</h1>
      <Show when={isAdmin()} fallback={<Notice kind="info">Managing API tokens needs an ADMIN token.</Notice>}>
        <section class="panel">
          <h2>New token</h2>
          <form class="inline-form" onSubmit={submit}>
            <label class="field grow">
              <span>Name</span>
              <input value={name()} onInput={(e) => setName(e.currentTarget.value)} required maxLength={100} />
            </label>
            <label class="field">
              <span>Role</span>
              <select value={role()} onChange={(e) => setRole(e.currentTarget.value === "ADMIN" ? "ADMIN" : "VIEWER")}>
                <option value="VIEWER">Viewer: read and subscribe</option>
                <option value="ADMIN">Admin: everything</option>
              </select>
            </label>
            <button type="submit" class="button primary" disabled={createState.fetching}>
              Create token
            </button>
          </form>
          <Show when={created()} keyed>
            {(value) => {
              return value.ok ? (
                <Notice kind="success">
                  Token “{value.data.token.name}” created. Copy its secret now: it is shown only once.
                  <code class="secret" data-testid="new-secret">
                    {value.data.secret}
                  </code>
                </Notice>
              ) : (
                <Notice kind="error">{value.message}</Notice>
              );
            }}
          </Show>
        </section>
        <Show when={revokeOutcome()} keyed>
          {(value) => {
            return value.ok ? (
              <Notice kind="success">Token “{value.data.name}” revoked.</Notice>
            ) : (
              <Notice kind="error">{value.message}</Notice>
            );
          }}
        </Show>
        <div class="table-scroll">
          <table class="data-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              <For each={tokens()}>
                {(token) => (
                  <tr>
                    <td>{token.name}</td>
                    <td>{token.role}</td>
                    <td>{formatDateTime(token.createdAt)}</td>
                    <td>{formatRelative(token.lastUsedAt)}</td>
                    <td>
                      <Show
                        when={!token.revokedAt}
                        fallback={<span class="muted">Revoked {formatDateTime(token.revokedAt)}</span>}
                      >
                        <button type="button" class="button small danger" onClick={() => setRevoking(token)}>
                          Revoke…
                        </button>
                      </Show>
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
        <ConfirmDialog
          open={revoking() !== null}
          title={`Revoke “${revoking()?.name ?? ""}”?`}
          confirmLabel="Revoke"
          danger
          busy={revokeState.fetching}
          onConfirm={doRevoke}
          onCancel={() => setRevoking(null)}
        >
          <p>Anything using this token (integrations, dashboards) loses access at once. This cannot be undone.</p>
        </ConfirmDialog>
      </Show>
    </div>
  );
}
