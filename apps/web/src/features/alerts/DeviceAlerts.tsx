import { A } from "@solidjs/router";
import { createQuery } from "@urql/solid";
import { For, onCleanup, Show } from "solid-js";
import { useApp } from "../../app/context.ts";
import { Notice } from "../../components/Notice.tsx";
import { formatDateTime } from "../../lib/format.ts";
import { AlertStateBadge, SeverityBadge } from "./AlertBadges.tsx";
import { type DeviceAlert, DeviceAlertsQuery } from "./documents.ts";

/** The rules a device breaks or broke, newest first, kept live by the alert feed. */
export function DeviceAlerts(props: { deviceId: string }) {
  const { data } = useApp();
  const [result, reexecute] = createQuery({ query: DeviceAlertsQuery, variables: () => ({ id: props.deviceId }) });
  onCleanup(
    data.onAlertsChanged((devices) => {
      if (devices === null || devices.has(props.deviceId)) reexecute({ requestPolicy: "network-only" });
    }),
  );
  const alerts = (): DeviceAlert[] => {
    const node = result.data?.node;
    return node && "alerts" in node ? node.alerts : [];
  };
  return (
    <section class="panel" aria-labelledby="device-alerts-title" data-testid="device-alerts">
      <h2 id="device-alerts-title">Alerts</h2>
      <Show when={result.error}>{(e) => <Notice kind="error">Could not load the alerts: {e().message}</Notice>}</Show>
      <Show
        when={alerts().length > 0}
        fallback={
          <Show when={result.data}>
            <p class="muted">This device has broken no alert rule.</p>
          </Show>
        }
      >
        <div class="table-scroll">
          <table class="data-table">
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Severity</th>
                <th scope="col">State</th>
                <th scope="col">Opened</th>
                <th scope="col">Resolved</th>
              </tr>
            </thead>
            <tbody>
              <For each={alerts()}>
                {(alert) => (
                  <tr data-alert-id={alert.id} data-state={alert.state}>
                    <td>
                      <A href={`/alerts?rule=${encodeURIComponent(alert.rule.id)}&state=all`}>{alert.rule.name}</A>
                    </td>
                    <td>
                      <SeverityBadge severity={alert.severity} class="small" />
                    </td>
                    <td>
                      <AlertStateBadge state={alert.state} class="small" />
                      <Show when={alert.state === "SNOOZED" && alert.snoozedUntil}>
                        {(until) => <div class="muted small">until {formatDateTime(until())}</div>}
                      </Show>
                      <Show when={alert.state === "ACKNOWLEDGED" && alert.acknowledgedBy}>
                        {(by) => <div class="muted small">by {by()}</div>}
                      </Show>
                    </td>
                    <td>{formatDateTime(alert.openedAt)}</td>
                    <td>{formatDateTime(alert.resolvedAt)}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </Show>
    </section>
  );
}
