import { A, useSearchParams } from "@solidjs/router";
import { createQuery } from "@urql/solid";
import { createEffect, createMemo, createSignal, For, on, onCleanup, Show } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { useApp, useIsAdmin } from "../../app/context.ts";
import { Notice } from "../../components/Notice.tsx";
import { StatusBadge } from "../../components/StatusBadge.tsx";
import { formatCount, formatDateTime, formatRelative } from "../../lib/format.ts";
import { platformLabel } from "../../lib/status.ts";
import { deviceHref } from "../devices/DeviceTable.tsx";
import { AlertStateBadge, SeverityBadge } from "./AlertBadges.tsx";
import { AlertsNav } from "./AlertsNav.tsx";
import { ALERT_SEVERITIES, ALERT_STATES, type Alert, AlertsQuery } from "./documents.ts";
import { SEVERITY_INFO, STATE_INFO } from "./present.ts";
import { filterOf, paramsFromView, type QueueView, toggle, viewFromParams } from "./queue.ts";
import { type TriageAction, TriageDialog } from "./TriageDialog.tsx";

const PAGE = 100;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** What is known about where the alert stands, beyond its state's name. */
function StateDetail(props: { alert: Alert; now: number }) {
  return (
    <Show
      when={props.alert.state === "SNOOZED" && props.alert.snoozedUntil}
      fallback={
        <Show when={props.alert.state === "RESOLVED" && props.alert.resolvedAt}>
          {(at) => <span title={formatDateTime(at())}> {formatRelative(at(), props.now)}</span>}
        </Show>
      }
    >
      {(until) => <span title={formatDateTime(until())}> until {formatDateTime(until())}</span>}
    </Show>
  );
}

/**
 * The triage queue: live alerts, most severe first then oldest first, acknowledged or snoozed in
 * place. The filters live in the URL; the list is read again whenever an alert changes anywhere.
 */
export default function AlertsPage() {
  const { data, now } = useApp();
  const isAdmin = useIsAdmin();
  const [params, setParams] = useSearchParams();
  const view = createMemo<QueueView>(
    () =>
      viewFromParams({
        state: single(params.state),
        severity: single(params.severity),
        rule: single(params.rule),
      }),
    viewFromParams({}),
    { equals: (a, b) => JSON.stringify(a) === JSON.stringify(b) },
  );
  const [limit, setLimit] = createSignal(PAGE);
  createEffect(on(view, () => setLimit(PAGE), { defer: true }));

  const [result, reexecute] = createQuery({
    query: AlertsQuery,
    variables: () => ({ filter: filterOf(view()), first: limit() }),
  });
  const refresh = () => reexecute({ requestPolicy: "network-only" });
  onCleanup(data.onAlertsChanged(refresh));

  // Reconciled by id: a row that is still there after a refresh keeps its DOM (and the focus in it),
  // and only the cells that changed are touched.
  const [alertStore, setAlertStore] = createStore<{ list: Alert[] }>({ list: [] });
  createEffect(() => {
    const edges = result.data?.alerts.edges;
    if (edges)
      setAlertStore(
        "list",
        reconcile(
          edges.map((e) => e.node),
          { key: "id" },
        ),
      );
  });
  const alerts = () => alertStore.list;
  const setView = (next: QueueView) => setParams(paramsFromView(next));
  const ruleName = () => alerts().find((a) => a.rule.id === view().ruleId)?.rule.name;

  const [action, setAction] = createSignal<TriageAction | null>(null);
  const [done, setDone] = createSignal<string | null>(null);

  return (
    <div class="page alerts-page">
      <div class="page-head">
        <h1>Alerts</h1>
        <AlertsNav />
      </div>
      <section class="filters" aria-label="Filter alerts">
        <fieldset class="status-filter">
          <legend>State</legend>
          <For each={ALERT_STATES}>
            {(state) => (
              <label class={`chip status-${STATE_INFO[state].tone}`}>
                <input
                  type="checkbox"
                  checked={view().states.includes(state)}
                  // The last state stays: no state at all would be an empty queue, not a view.
                  disabled={view().states.length === 1 && view().states.includes(state)}
                  onChange={() => setView({ ...view(), states: toggle(view().states, state) })}
                  data-testid={`filter-state-${state}`}
                />
                {STATE_INFO[state].label}
              </label>
            )}
          </For>
        </fieldset>
        <fieldset class="status-filter">
          <legend>Severity</legend>
          <For each={ALERT_SEVERITIES}>
            {(severity) => (
              <label class={`chip status-${SEVERITY_INFO[severity].tone}`}>
                <input
                  type="checkbox"
                  checked={view().severities.includes(severity)}
                  onChange={() => setView({ ...view(), severities: toggle(view().severities, severity) })}
                  data-testid={`filter-severity-${severity}`}
                />
                {SEVERITY_INFO[severity].label}
              </label>
            )}
          </For>
          <span class="muted small">(none checked: every severity)</span>
        </fieldset>
        <Show when={view().ruleId}>
          <p class="filter-rule">
            Rule: <strong>{ruleName() ?? "one rule"}</strong>{" "}
            <button type="button" class="link-button" onClick={() => setView({ ...view(), ruleId: null })}>
              Show every rule
            </button>
          </p>
        </Show>
      </section>

      <p class="muted" data-testid="alerts-total" aria-live="polite">
        <Show when={result.data} fallback="Loading alerts…">
          {(d) => `${formatCount(d().alerts.totalCount)} ${d().alerts.totalCount === 1 ? "alert" : "alerts"}`}
        </Show>
        <Show when={!isAdmin()}> · Acknowledging and snoozing needs an ADMIN token.</Show>
      </p>
      <Show when={result.error}>{(e) => <Notice kind="error">Could not load the alerts: {e().message}</Notice>}</Show>
      <Show when={done()}>
        {(message) => (
          <Notice kind="success" testid="triage-result">
            {message()}
          </Notice>
        )}
      </Show>

      <Show when={result.data}>
        <Show
          when={alerts().length > 0}
          fallback={<p class="panel muted">No alerts in this view. Devices that break a rule show up here.</p>}
        >
          <div class="table-wrap">
            <table class="data-table alerts-table" data-testid="alerts-table">
              <thead>
                <tr>
                  <th scope="col">Severity</th>
                  <th scope="col">Device</th>
                  <th scope="col">Rule</th>
                  <th scope="col">Device status</th>
                  <th scope="col">Open since</th>
                  <th scope="col">Owner</th>
                  <th scope="col">State</th>
                  <Show when={isAdmin()}>
                    <th scope="col">
                      <span class="sr-only">Actions</span>
                    </th>
                  </Show>
                </tr>
              </thead>
              <tbody>
                <For each={alerts()}>
                  {(alert) => (
                    <tr data-testid="alert-row" data-alert-id={alert.id} data-state={alert.state}>
                      <td>
                        <SeverityBadge severity={alert.severity} />
                      </td>
                      <td>
                        <A href={deviceHref(alert.device.id)} class="strong-link">
                          {alert.device.name}
                        </A>
                        <div class="muted small">
                          {platformLabel(alert.device.platform)}
                          {alert.device.serial ? ` · ${alert.device.serial}` : ""}
                        </div>
                      </td>
                      <td>
                        <A href={`/alerts?rule=${encodeURIComponent(alert.rule.id)}`} title="Only this rule's alerts">
                          {alert.rule.name}
                        </A>
                      </td>
                      <td>
                        <StatusBadge status={alert.status} class="small" />
                      </td>
                      <td class="nowrap">
                        <time datetime={alert.openedAt} title={formatDateTime(alert.openedAt)}>
                          {formatRelative(alert.openedAt, now())}
                        </time>
                      </td>
                      <td>{alert.device.owner?.email ?? <span class="muted">No owner</span>}</td>
                      <td>
                        <AlertStateBadge state={alert.state} class="small" testid="alert-state" />
                        <StateDetail alert={alert} now={now()} />
                        <Show when={alert.acknowledgedBy && alert.state === "ACKNOWLEDGED"}>
                          <div class="muted small">by {alert.acknowledgedBy}</div>
                        </Show>
                        <Show when={alert.note}>{(n) => <div class="muted small alert-note">“{n()}”</div>}</Show>
                      </td>
                      <Show when={isAdmin()}>
                        <td class="row-actions">
                          <Show when={alert.state !== "RESOLVED"}>
                            <button
                              type="button"
                              class="button small"
                              disabled={alert.state === "ACKNOWLEDGED"}
                              onClick={() => setAction({ kind: "acknowledge", alert })}
                              data-testid="alert-ack"
                            >
                              Acknowledge
                            </button>
                            <button
                              type="button"
                              class="button small"
                              onClick={() => setAction({ kind: "snooze", alert })}
                              data-testid="alert-snooze"
                            >
                              Snooze
                            </button>
                          </Show>
                        </td>
                      </Show>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
          <Show when={result.data?.alerts.pageInfo.hasNextPage}>
            <p>
              <button type="button" class="button" onClick={() => setLimit((n) => n + PAGE)} disabled={result.fetching}>
                {result.fetching ? "Loading…" : "Show more"}
              </button>
            </p>
          </Show>
        </Show>
      </Show>
      <TriageDialog
        action={action()}
        onClose={() => setAction(null)}
        onDone={(message) => {
          setAction(null);
          setDone(message);
          // The subscription will say so too; reading at once shows the change without waiting.
          data.resyncAlerts();
        }}
      />
    </div>
  );
}
