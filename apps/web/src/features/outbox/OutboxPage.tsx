import { A } from "@solidjs/router";
import { createQuery } from "@urql/solid";
import { For, Show } from "solid-js";
import { Notice } from "../../components/Notice.tsx";
import { formatDateTime, plural } from "../../lib/format.ts";
import { deviceHref } from "../devices/DeviceTable.tsx";
import { OutboxQuery } from "./documents.ts";

/** Every message that leaves Enrollwatch is a row here first; the delivery worker sends it with retries. */
export default function OutboxPage() {
  const [result, refetch] = createQuery({ query: OutboxQuery, variables: { first: 200 } });
  return (
    <div class="page">
      <div class="page-head">
        <h1>Outbox</h1>
        <button type="button" class="button" onClick={() => refetch({ requestPolicy: "network-only" })}>
          Refresh
        </button>
      </div>
      <p class="muted">The latest 200 messages to employees, newest first.</p>
      <Show when={result.error}>{(e) => <Notice kind="error">{e().message}</Notice>}</Show>
      <Show when={result.data} fallback={<p class="muted">Loading…</p>}>
        {(data) => (
          <Show when={data().outboundMessages.length > 0} fallback={<p class="muted">The outbox is empty.</p>}>
            <div class="table-scroll">
              <table class="data-table" data-testid="outbox">
                <thead>
                  <tr>
                    <th scope="col">Queued</th>
                    <th scope="col">Device</th>
                    <th scope="col">To</th>
                    <th scope="col">Subject</th>
                    <th scope="col">Delivery</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={data().outboundMessages}>
                    {(m) => (
                      <tr>
                        <td>{formatDateTime(m.createdAt)}</td>
                        <td>
                          <Show when={m.device} fallback="—">
                            {(d) => <A href={deviceHref(d().id)}>{d().name}</A>}
                          </Show>
                        </td>
                        <td>{m.recipient}</td>
                        <td>
                          <details>
                            <summary>{m.subject}</summary>
                            <pre class="message-body">{m.body}</pre>
                          </details>
                        </td>
                        <td>
                          {m.state}
                          <span class="muted"> · {plural(m.attempts, "attempt")}</span>
                          <Show when={m.lastError}>{(e) => <div class="error-text small">{e()}</div>}</Show>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </Show>
    </div>
  );
}
