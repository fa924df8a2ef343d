import { createMutation, createQuery } from "@urql/solid";
import { createSignal, For, type JSX, onCleanup, Show } from "solid-js";
import { useApp } from "../../app/context.ts";
import { ConfirmDialog } from "../../components/ConfirmDialog.tsx";
import { Notice } from "../../components/Notice.tsx";
import { formatDateTime, formatRelative } from "../../lib/format.ts";
import { type ActionOutcome, outcomeOf } from "../../lib/mutation.ts";
import type { FieldError } from "../settings/documents.ts";
import {
  type CreatedWebhook,
  CreateWebhookMutation,
  DeleteWebhookMutation,
  RotateWebhookSecretMutation,
  SendTestWebhookMutation,
  SetWebhookEnabledMutation,
  UpdateWebhookMutation,
  WEBHOOK_EVENT_KINDS,
  type Webhook,
  WebhookDeliveriesQuery,
  type WebhookDelivery,
  type WebhookEventKind,
  WebhooksQuery,
} from "./documents.ts";
import { humanizeRuleMessage, validateWebhookDraft } from "./ruleForm.ts";

const EVENT_LABELS: Record<WebhookEventKind, string> = {
  OPENED: "Opened",
  ACKNOWLEDGED: "Acknowledged",
  RESOLVED: "Resolved",
};
/** While a log is open and something is still pending, it is read again this often. */
const POLL_MS = 3_000;
const LOG_SIZE = 25;

function deliveryTone(state: WebhookDelivery["state"]): string {
  return state === "DELIVERED" ? "status-ok" : state === "FAILED" ? "status-bad" : "status-info";
}

/** A secret shown once: after creation or rotation, never again. */
function SecretNotice(props: { created: CreatedWebhook; rotated: boolean }) {
  const [copied, setCopied] = createSignal(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.created.secret);
      setCopied(true);
    } catch {
      // Clipboard access can be refused (permissions, plain http): the secret is selectable anyway.
      setCopied(false);
    }
  };
  return (
    <Notice kind="success" testid="webhook-secret-notice">
      <p>
        {props.rotated ? "New secret for" : "Webhook created:"} “{props.created.webhook.name}”. Copy the signing secret
        now: it is shown only once. Deliveries carry an <code>Enrollwatch-Signature</code> header, an HMAC-SHA256 of the
        timestamp and body made with it.
      </p>
      <code class="secret" data-testid="webhook-secret">
        {props.created.secret}
      </code>
      <p>
        <button type="button" class="button small" onClick={copy}>
          {copied() ? "Copied" : "Copy secret"}
        </button>
      </p>
    </Notice>
  );
}

/** A webhook's latest deliveries; read again while any is pending, and on demand. */
function DeliveryLog(props: { webhook: Webhook }) {
  const { now } = useApp();
  const [result, reexecute] = createQuery({
    query: WebhookDeliveriesQuery,
    variables: () => ({ webhookId: props.webhook.id, first: LOG_SIZE }),
  });
  const refresh = () => reexecute({ requestPolicy: "network-only" });
  const deliveries = (): WebhookDelivery[] => {
    const value = result.data?.webhookDeliveries;
    return value?.__typename === "QueryWebhookDeliveriesSuccess" ? value.data : [];
  };
  const error = () => {
    const value = result.data?.webhookDeliveries;
    return value && value.__typename !== "QueryWebhookDeliveriesSuccess" ? value.message : result.error?.message;
  };
  const timer = setInterval(() => {
    if (!result.fetching && deliveries().some((d) => d.state === "PENDING")) refresh();
  }, POLL_MS);
  onCleanup(() => clearInterval(timer));

  return (
    <div class="delivery-log" data-testid="delivery-log">
      <div class="page-head">
        <h4>Delivery log (latest {LOG_SIZE})</h4>
        <button
          type="button"
          class="button small"
          onClick={refresh}
          disabled={result.fetching}
          data-testid="refresh-log"
        >
          {result.fetching ? "Refreshing…" : "Refresh"}
        </button>
      </div>
      <Show when={error()}>{(e) => <Notice kind="error">{e()}</Notice>}</Show>
      <Show when={deliveries().length > 0} fallback={<p class="muted small">No deliveries yet.</p>}>
        <div class="table-scroll">
          <table class="data-table small">
            <thead>
              <tr>
                <th scope="col">Queued</th>
                <th scope="col">Event</th>
                <th scope="col">State</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
                <th scope="col">Times</th>
              </tr>
            </thead>
            <tbody>
              <For each={deliveries()}>
                {(d) => (
                  <tr data-testid="delivery-row" data-state={d.state}>
                    <td>
                      <time datetime={d.createdAt} title={formatDateTime(d.createdAt)}>
                        {formatRelative(d.createdAt, now())}
                      </time>
                    </td>
                    <td class="mono">{d.eventType}</td>
                    <td>
                      <span class={`badge small ${deliveryTone(d.state)}`}>{d.state}</span>
                    </td>
                    <td>{d.attempts}</td>
                    <td class="change-cell">
                      <Show when={d.lastStatus !== null}>
                        <span class="mono">HTTP {d.lastStatus}</span>
                      </Show>
                      <Show when={d.lastError}>{(e) => <div class="error-text">{e()}</div>}</Show>
                      <Show when={d.lastResponse}>
                        {(r) => (
                          <details>
                            <summary>Response</summary>
                            <pre class="message-body">{r()}</pre>
                          </details>
                        )}
                      </Show>
                      <details>
                        <summary>Body</summary>
                        <pre class="message-body">{d.body}</pre>
                      </details>
                    </td>
                    <td>
                      <Show when={d.lastAttemptAt}>{(at) => <div>Last try {formatDateTime(at())}</div>}</Show>
                      <Show when={d.nextAttemptAt}>{(at) => <div>Next try {formatDateTime(at())}</div>}</Show>
                      <Show when={d.deliveredAt}>{(at) => <div>Delivered {formatDateTime(at())}</div>}</Show>
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </Show>
    </div>
  );
}

/** Where alert events are posted (ADMIN only): create, enable, rotate, delete, test, and their deliveries. */
export function WebhooksPanel() {
  const { data } = useApp();
  const [result, reexecute] = createQuery({ query: WebhooksQuery });
  const refresh = () => reexecute({ requestPolicy: "network-only" });
  // Alert events queue deliveries: the pending and failed counts move with them.
  onCleanup(data.onAlertsChanged(refresh));
  const [createState, create] = createMutation(CreateWebhookMutation);
  const [updateState, update] = createMutation(UpdateWebhookMutation);
  const [, setEnabled] = createMutation(SetWebhookEnabledMutation);
  const [rotateState, rotate] = createMutation(RotateWebhookSecretMutation);
  const [deleteState, remove] = createMutation(DeleteWebhookMutation);
  const [, sendTest] = createMutation(SendTestWebhookMutation);

  const [name, setName] = createSignal("");
  const [url, setUrl] = createSignal("");
  const [events, setEvents] = createSignal<WebhookEventKind[]>([...WEBHOOK_EVENT_KINDS]);
  const [errors, setErrors] = createSignal<FieldError[]>([]);
  const [createMessage, setCreateMessage] = createSignal<string | null>(null);
  const [secret, setSecret] = createSignal<{ created: CreatedWebhook; rotated: boolean } | null>(null);
  const [outcome, setOutcome] = createSignal<ActionOutcome<string>>();
  const [confirming, setConfirming] = createSignal<{ kind: "rotate" | "delete"; webhook: Webhook } | null>(null);
  const [openLogs, setOpenLogs] = createSignal<Record<string, number>>({});
  /** The webhook the form edits; null: the form creates a new one. */
  const [editing, setEditing] = createSignal<Webhook | null>(null);

  const webhooks = (): Webhook[] => {
    const value = result.data?.webhooks;
    return value?.__typename === "QueryWebhooksSuccess" ? value.data : [];
  };
  const listError = () => {
    const value = result.data?.webhooks;
    return value && value.__typename !== "QueryWebhooksSuccess" ? value.message : result.error?.message;
  };
  const errorFor = (field: string) => {
    const text = errors().find((e) => e.field === field)?.message;
    return text === undefined ? undefined : humanizeRuleMessage(text);
  };
  const openLog = (id: string) => setOpenLogs((logs) => ({ ...logs, [id]: (logs[id] ?? 0) + 1 }));
  const closeLog = (id: string) =>
    setOpenLogs((logs) => Object.fromEntries(Object.entries(logs).filter(([key]) => key !== id)));

  const resetForm = () => {
    setEditing(null);
    setName("");
    setUrl("");
    setEvents([...WEBHOOK_EVENT_KINDS]);
    setErrors([]);
    setCreateMessage(null);
  };

  const startEdit = (webhook: Webhook) => {
    setEditing(webhook);
    setName(webhook.name);
    setUrl(webhook.url);
    setEvents([...webhook.events]);
    setErrors([]);
    setCreateMessage(null);
    document.getElementById("webhook-name")?.focus();
  };

  const submit: JSX.EventHandler<HTMLFormElement, SubmitEvent> = async (event) => {
    event.preventDefault();
    setCreateMessage(null);
    const local = validateWebhookDraft({ name: name(), url: url(), events: events() });
    setErrors(local);
    if (local.length > 0) return;
    const target = editing();
    if (target) {
      const r = await update({
        id: target.id,
        input: { name: name().trim(), url: url().trim(), events: events() },
      });
      const value = r.data?.updateWebhook;
      if (value?.__typename === "MutationUpdateWebhookSuccess") {
        setOutcome({ ok: true, data: `“${value.data.name}” saved.` });
        resetForm();
        refresh();
        return;
      }
      if (value?.__typename === "ValidationError") setErrors(value.fieldErrors);
      setCreateMessage(humanizeRuleMessage(value?.message ?? r.error?.message ?? "No answer from the server."));
      return;
    }
    const r = await create({ input: { name: name().trim(), url: url().trim(), events: events(), enabled: true } });
    const value = r.data?.createWebhook;
    if (value?.__typename === "MutationCreateWebhookSuccess") {
      setSecret({ created: value.data, rotated: false });
      setName("");
      setUrl("");
      setEvents([...WEBHOOK_EVENT_KINDS]);
      refresh();
      return;
    }
    if (value?.__typename === "ValidationError") setErrors(value.fieldErrors);
    setCreateMessage(humanizeRuleMessage(value?.message ?? r.error?.message ?? "No answer from the server."));
  };

  const toggle = async (webhook: Webhook, enabled: boolean) => {
    const r = outcomeOf<Webhook>(await setEnabled({ id: webhook.id, enabled }), "setWebhookEnabled");
    setOutcome(r.ok ? { ok: true, data: `“${webhook.name}” ${enabled ? "enabled" : "disabled"}.` } : r);
    refresh();
  };

  const test = async (webhook: Webhook) => {
    const r = outcomeOf<WebhookDelivery>(await sendTest({ id: webhook.id }), "sendTestWebhook");
    setOutcome(r.ok ? { ok: true, data: `Test delivery queued for “${webhook.name}”: see its delivery log.` } : r);
    if (r.ok) openLog(webhook.id);
    refresh();
  };

  const confirm = async () => {
    const current = confirming();
    if (!current) return;
    if (current.kind === "rotate") {
      const r = outcomeOf<CreatedWebhook>(await rotate({ id: current.webhook.id }), "rotateWebhookSecret");
      if (r.ok) setSecret({ created: r.data, rotated: true });
      else setOutcome(r);
    } else {
      const r = outcomeOf<string>(await remove({ id: current.webhook.id }), "deleteWebhook");
      setOutcome(r.ok ? { ok: true, data: `“${current.webhook.name}” deleted.` } : r);
      closeLog(current.webhook.id);
      if (editing()?.id === current.webhook.id) resetForm();
    }
    setConfirming(null);
    refresh();
  };

  const FieldErrorText = (p: { field: string }) => (
    <Show when={errorFor(p.field)}>
      {(text) => (
        <p id={`webhook-${p.field}-error`} class="field-error" data-testid={`webhook-error-${p.field}`}>
          {text()}
        </p>
      )}
    </Show>
  );

  return (
    <section class="panel" aria-labelledby="webhooks-title" data-testid="webhooks">
      <h2 id="webhooks-title">Webhooks</h2>
      <p class="help">
        Alert events (opened, acknowledged, resolved) of rules that post to webhooks are sent as signed JSON POSTs,
        retried with backoff when the receiver fails.
      </p>
      <form
        class="webhook-form"
        onSubmit={submit}
        noValidate
        aria-label={editing() ? `Edit webhook ${editing()?.name ?? ""}` : "New webhook"}
      >
        <fieldset disabled={createState.fetching || updateState.fetching}>
          <div class="form-row">
            <div class="form-field" classList={{ invalid: !!errorFor("name") }}>
              <label for="webhook-name">Name</label>
              <input
                id="webhook-name"
                value={name()}
                maxLength={100}
                onInput={(e) => setName(e.currentTarget.value)}
                aria-invalid={errorFor("name") ? "true" : undefined}
                aria-describedby={errorFor("name") ? "webhook-name-error" : undefined}
              />
              <FieldErrorText field="name" />
            </div>
            <div class="form-field grow" classList={{ invalid: !!errorFor("url") }}>
              <label for="webhook-url">URL</label>
              <input
                id="webhook-url"
                type="url"
                placeholder="https://hooks.example.com/enrollwatch"
                value={url()}
                onInput={(e) => setUrl(e.currentTarget.value)}
                aria-invalid={errorFor("url") ? "true" : undefined}
                aria-describedby={`webhook-url-help${errorFor("url") ? " webhook-url-error" : ""}`}
              />
              <FieldErrorText field="url" />
              <p id="webhook-url-help" class="help">
                http or https; private and loopback addresses are refused.
              </p>
            </div>
          </div>
          <fieldset class="form-field choice-group" classList={{ invalid: !!errorFor("events") }}>
            <legend>Events</legend>
            <For each={WEBHOOK_EVENT_KINDS}>
              {(kind) => (
                <label class="check">
                  <input
                    type="checkbox"
                    checked={events().includes(kind)}
                    onChange={(e) => {
                      const on = e.currentTarget.checked;
                      setEvents((list) => WEBHOOK_EVENT_KINDS.filter((k) => (k === kind ? on : list.includes(k))));
                    }}
                  />
                  {EVENT_LABELS[kind]}
                </label>
              )}
            </For>
            <FieldErrorText field="events" />
          </fieldset>
          <div class="form-actions">
            <button type="submit" class="button primary" data-testid="create-webhook">
              {editing()
                ? updateState.fetching
                  ? "Saving…"
                  : "Save webhook"
                : createState.fetching
                  ? "Creating…"
                  : "Create webhook"}
            </button>
            <Show when={editing()}>
              <button type="button" class="button" onClick={resetForm} data-testid="cancel-edit-webhook">
                Cancel
              </button>
            </Show>
            <Show when={createMessage()}>
              {(text) => (
                <Notice kind="error" testid="webhook-message">
                  {text()}
                </Notice>
              )}
            </Show>
          </div>
        </fieldset>
      </form>
      <Show when={secret()} keyed>
        {(value) => <SecretNotice created={value.created} rotated={value.rotated} />}
      </Show>
      <Show when={outcome()} keyed>
        {(value) =>
          value.ok ? (
            <Notice kind="success" testid="webhook-result">
              {value.data}
            </Notice>
          ) : (
            <Notice kind="error" testid="webhook-result">
              {value.message}
            </Notice>
          )
        }
      </Show>
      <Show when={listError()}>{(e) => <Notice kind="error">Could not load the webhooks: {e()}</Notice>}</Show>
      <Show when={webhooks().length > 0} fallback={<p class="muted">No webhooks yet.</p>}>
        <ul class="webhook-list">
          <For each={webhooks()}>
            {(webhook) => (
              <li class="webhook" data-testid="webhook-row" data-webhook-id={webhook.id}>
                <div class="webhook-head">
                  <label class="check">
                    <input
                      type="checkbox"
                      checked={webhook.enabled}
                      onChange={(e) => void toggle(webhook, e.currentTarget.checked)}
                      aria-label={`${webhook.name} enabled`}
                      data-testid="webhook-enabled"
                    />
                  </label>
                  <div class="grow">
                    <strong>{webhook.name}</strong> <span class="mono muted">{webhook.url}</span>
                    <div class="muted small">
                      {webhook.events.map((k) => EVENT_LABELS[k]).join(", ")} · {webhook.pendingDeliveries} pending ·{" "}
                      <span classList={{ "error-text": webhook.failedDeliveries > 0 }}>
                        {webhook.failedDeliveries} failed
                      </span>{" "}
                      · created {formatDateTime(webhook.createdAt)}
                      {webhook.enabled ? "" : " · disabled"}
                    </div>
                  </div>
                  <div class="row-actions">
                    <button
                      type="button"
                      class="button small"
                      onClick={() => void test(webhook)}
                      data-testid="send-test"
                    >
                      Send test
                    </button>
                    <button
                      type="button"
                      class="button small"
                      aria-expanded={openLogs()[webhook.id] !== undefined}
                      onClick={() =>
                        openLogs()[webhook.id] === undefined ? openLog(webhook.id) : closeLog(webhook.id)
                      }
                      data-testid="toggle-log"
                    >
                      Deliveries
                    </button>
                    <button
                      type="button"
                      class="button small"
                      onClick={() => startEdit(webhook)}
                      data-testid="edit-webhook"
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      class="button small"
                      onClick={() => setConfirming({ kind: "rotate", webhook })}
                      data-testid="rotate-secret"
                    >
                      Rotate secret…
                    </button>
                    <button
                      type="button"
                      class="button small danger"
                      onClick={() => setConfirming({ kind: "delete", webhook })}
                      data-testid="delete-webhook"
                    >
                      Delete…
                    </button>
                  </div>
                </div>
                {/* Keyed on a counter that "Send test" bumps: the log mounts afresh and shows the new delivery. */}
                <Show when={openLogs()[webhook.id]} keyed>
                  {(_run: number) => <DeliveryLog webhook={webhook} />}
                </Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <ConfirmDialog
        open={confirming() !== null}
        title={
          confirming()?.kind === "rotate"
            ? `New secret for “${confirming()?.webhook.name ?? ""}”?`
            : `Delete “${confirming()?.webhook.name ?? ""}”?`
        }
        confirmLabel={confirming()?.kind === "rotate" ? "Rotate secret" : "Delete"}
        danger
        busy={rotateState.fetching || deleteState.fetching}
        onConfirm={confirm}
        onCancel={() => setConfirming(null)}
      >
        <p>
          {confirming()?.kind === "rotate"
            ? "Deliveries from now on are signed with the new secret: the receiver must be given it, or it will reject them."
            : "The webhook, its delivery log and its queued deliveries are deleted. This cannot be undone."}
        </p>
      </ConfirmDialog>
    </section>
  );
}
