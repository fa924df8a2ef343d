import { createQuery } from "@urql/solid";
import { For, Show } from "solid-js";
import { Notice } from "../../components/Notice.tsx";
import { formatDateTime } from "../../lib/format.ts";
import { AuditQuery } from "./documents.ts";

/** Who changed what, and when: settings, actions on devices, tokens, confirmations. */
export default function AuditPage() {
  const [result, refetch] = createQuery({ query: AuditQuery, variables: { first: 200 } });
  return (
    <div class="page">
      <div class="page-head">
        <h1>Audit log</h1>
        <button type="button" class="button" onClick={() => refetch({ requestPolicy: "network-only" })}>
          Refresh
        </button>
      </div>
      <Show when={result.error}>{(e) => <Notice kind="error">{e().message}</Notice>}</Show>
      <Show when={result.data} fallback={<p class="muted">Loading…</p>}>
        {(data) => (
          <table class="data-table" data-testid="audit">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              <For each={data().auditEntries}>
                {(e) => (
                  <tr>
                    <td>{formatDateTime(e.at)}</td>
                    <td>{e.actor}</td>
                    <td class="mono">{e.action}</td>
                    <td class="mono small">{e.target ?? "—"}</td>
                    <td class="mono small change-cell">
                      <Show when={e.before}>{(b) => <div>before: {b()}</div>}</Show>
                      <Show when={e.after}>{(a) => <div>after: {a()}</div>}</Show>
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        )}
      </Show>
    </div>
  );
}
