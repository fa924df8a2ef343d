import { A } from "@solidjs/router";
import { createMutation, createQuery } from "@urql/solid";
import { createSignal, For, onCleanup, Show } from "solid-js";
import { useApp, useIsAdmin } from "../../app/context.ts";
import { ConfirmDialog } from "../../components/ConfirmDialog.tsx";
import { Notice } from "../../components/Notice.tsx";
import { plural } from "../../lib/format.ts";
import { type ActionOutcome, outcomeOf } from "../../lib/mutation.ts";
import { platformLabel, STATUS_INFO } from "../../lib/status.ts";
import { TeamsQuery } from "../devices/documents.ts";
import { SeverityBadge } from "./AlertBadges.tsx";
import { AlertsNav } from "./AlertsNav.tsx";
import {
  type AlertRule,
  type AlertRuleInput,
  AlertRulesQuery,
  CreateAlertRuleMutation,
  DeleteAlertRuleMutation,
  type RuleSaveResult,
  SetAlertRuleEnabledMutation,
  UpdateAlertRuleMutation,
} from "./documents.ts";
import { formatGracePeriod, NOTIFICATION_LABELS } from "./present.ts";
import { RuleForm, type RuleSaveOutcome } from "./RuleForm.tsx";
import { WebhooksPanel } from "./WebhooksPanel.tsx";

type Editing = { kind: "new" } | { kind: "edit"; rule: AlertRule } | null;

function saveOutcome(
  result: { data?: Record<string, RuleSaveResult | undefined> | undefined; error?: { message: string } | undefined },
  field: string,
): RuleSaveOutcome {
  if (result.error) return { ok: false, message: result.error.message, fieldErrors: [] };
  const value = result.data?.[field];
  if (!value) return { ok: false, message: "No answer from the server.", fieldErrors: [] };
  if ("data" in value) return { ok: true, rule: value.data };
  return {
    ok: false,
    message: value.message,
    fieldErrors: value.__typename === "ValidationError" ? value.fieldErrors : [],
  };
}

/** What opens alerts (rules) and where they are posted (webhooks); changed by admins only. */
export default function RulesPage() {
  const { data } = useApp();
  const isAdmin = useIsAdmin();
  const [result, reexecute] = createQuery({ query: AlertRulesQuery });
  const [teamsResult] = createQuery({ query: TeamsQuery });
  const teamNames = () => (teamsResult.data?.teams ?? []).flatMap((t) => (t.name === null ? [] : [t.name]));
  const refresh = () => reexecute({ requestPolicy: "network-only" });
  // Open-alert counts change with every alert event.
  onCleanup(data.onAlertsChanged(refresh));

  const [, createRule] = createMutation(CreateAlertRuleMutation);
  const [, updateRule] = createMutation(UpdateAlertRuleMutation);
  const [, setEnabled] = createMutation(SetAlertRuleEnabledMutation);
  const [deleteState, deleteRule] = createMutation(DeleteAlertRuleMutation);
  const [editing, setEditing] = createSignal<Editing>(null);
  const [deleting, setDeleting] = createSignal<AlertRule | null>(null);
  const [outcome, setOutcome] = createSignal<ActionOutcome<string>>();
  const [toggling, setToggling] = createSignal<string | null>(null);

  const rules = () => result.data?.alertRules ?? [];

  const save = async (input: AlertRuleInput): Promise<RuleSaveOutcome> => {
    const current = editing();
    const saved =
      current?.kind === "edit"
        ? saveOutcome(await updateRule({ id: current.rule.id, input }), "updateAlertRule")
        : saveOutcome(await createRule({ input }), "createAlertRule");
    if (saved.ok) {
      setEditing(null);
      setOutcome({ ok: true, data: `Rule “${saved.rule.name}” saved.` });
      refresh();
      // Saving re-evaluates at once: alerts may have opened or resolved.
      data.resyncAlerts();
    }
    return saved;
  };

  const toggle = async (rule: AlertRule, enabled: boolean) => {
    setToggling(rule.id);
    const r = outcomeOf<AlertRule>(await setEnabled({ id: rule.id, enabled }), "setAlertRuleEnabled");
    setToggling(null);
    setOutcome(
      r.ok
        ? {
            ok: true,
            data: enabled
              ? `Rule “${rule.name}” enabled: devices already breaking it have alerts now.`
              : `Rule “${rule.name}” disabled: its alerts are resolved.`,
          }
        : r,
    );
    refresh();
    data.resyncAlerts();
  };

  const doDelete = async () => {
    const rule = deleting();
    if (!rule) return;
    const r = outcomeOf<string>(await deleteRule({ id: rule.id }), "deleteAlertRule");
    setDeleting(null);
    setOutcome(r.ok ? { ok: true, data: `Rule “${rule.name}” deleted.` } : r);
    if (editing()?.kind === "edit") setEditing(null);
    refresh();
    data.resyncAlerts();
  };

  return (
    <div class="page rules-page">
      <div class="page-head">
        <h1>Rules &amp; webhooks</h1>
        <AlertsNav />
      </div>
      <Show when={!isAdmin()}>
        <Notice kind="info">Read-only: changing rules and webhooks needs an ADMIN token.</Notice>
      </Show>
      <section class="panel" aria-labelledby="rules-title">
        <div class="page-head">
          <h2 id="rules-title">Alert rules</h2>
          <Show when={isAdmin() && editing()?.kind !== "new"}>
            <button
              type="button"
              class="button primary"
              onClick={() => setEditing({ kind: "new" })}
              data-testid="new-rule"
            >
              New rule
            </button>
          </Show>
        </div>
        <p class="help">
          A rule opens an alert for each device that stays in one of its statuses for the grace period; the alert
          resolves by itself when the device no longer breaks the rule.
        </p>
        <Show when={result.error}>{(e) => <Notice kind="error">Could not load the rules: {e().message}</Notice>}</Show>
        <Show when={outcome()} keyed>
          {(value) =>
            value.ok ? (
              <Notice kind="success" testid="rule-result">
                {value.data}
              </Notice>
            ) : (
              <Notice kind="error" testid="rule-result">
                {value.message}
              </Notice>
            )
          }
        </Show>
        <Show when={editing()?.kind === "new"}>
          <RuleForm rule={null} teams={teamNames()} onSave={save} onCancel={() => setEditing(null)} />
        </Show>
        <Show when={result.data} fallback={<p class="muted">Loading rules…</p>}>
          <Show when={rules().length > 0} fallback={<p class="muted">No rules: nothing opens alerts.</p>}>
            <div class="table-scroll">
              <table class="data-table" data-testid="rules-table">
                <thead>
                  <tr>
                    <th scope="col">Enabled</th>
                    <th scope="col">Rule</th>
                    <th scope="col">Severity</th>
                    <th scope="col">When</th>
                    <th scope="col">Then</th>
                    <th scope="col">Open alerts</th>
                    <Show when={isAdmin()}>
                      <th scope="col">
                        <span class="sr-only">Actions</span>
                      </th>
                    </Show>
                  </tr>
                </thead>
                <tbody>
                  <For each={rules()}>
                    {(rule) => (
                      <tr data-testid="rule-row" data-rule-id={rule.id} classList={{ "muted-row": !rule.enabled }}>
                        <td>
                          <input
                            type="checkbox"
                            checked={rule.enabled}
                            disabled={!isAdmin() || toggling() === rule.id}
                            onChange={(e) => void toggle(rule, e.currentTarget.checked)}
                            aria-label={`${rule.name} enabled`}
                            data-testid="rule-enabled"
                          />
                        </td>
                        <td>
                          <strong>{rule.name}</strong>
                        </td>
                        <td>
                          <SeverityBadge severity={rule.severity} class="small" />
                        </td>
                        <td>
                          {rule.statuses.map((s) => STATUS_INFO[s].label).join(", ")}
                          <div class="muted small">
                            {rule.platforms.length ? rule.platforms.map(platformLabel).join(", ") : "Every platform"} ·{" "}
                            {rule.teams.length || rule.includeNoTeam
                              ? `${[...rule.teams, ...(rule.includeNoTeam ? ["No team"] : [])].join(", ")} · `
                              : ""}
                            {rule.gracePeriodHours > 0
                              ? `for ${formatGracePeriod(rule.gracePeriodHours)}`
                              : formatGracePeriod(rule.gracePeriodHours)}
                          </div>
                        </td>
                        <td class="small">
                          {NOTIFICATION_LABELS[rule.adminNotification]}
                          <Show when={rule.adminEmails.length}>
                            <span class="muted"> to {rule.adminEmails.join(", ")}</span>
                          </Show>
                          <Show when={rule.remindEmployee}>
                            <div>Reminds the owner</div>
                          </Show>
                          <Show when={rule.notifyWebhooks}>
                            <div>Posts to webhooks</div>
                          </Show>
                        </td>
                        <td>
                          <A href={`/alerts?rule=${encodeURIComponent(rule.id)}`}>{rule.openAlertCount}</A>
                        </td>
                        <Show when={isAdmin()}>
                          <td class="row-actions">
                            <button
                              type="button"
                              class="button small"
                              onClick={() => setEditing({ kind: "edit", rule })}
                              data-testid="edit-rule"
                            >
                              Edit
                            </button>
                            <button
                              type="button"
                              class="button small danger"
                              onClick={() => setDeleting(rule)}
                              data-testid="delete-rule"
                            >
                              Delete…
                            </button>
                          </td>
                        </Show>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        </Show>
        <Show
          when={(() => {
            const current = editing();
            return current?.kind === "edit" ? current.rule : undefined;
          })()}
          keyed
        >
          {(rule) => <RuleForm rule={rule} teams={teamNames()} onSave={save} onCancel={() => setEditing(null)} />}
        </Show>
      </section>
      <Show when={isAdmin()}>
        <WebhooksPanel />
      </Show>
      <ConfirmDialog
        open={deleting() !== null}
        title={`Delete “${deleting()?.name ?? ""}”?`}
        confirmLabel="Delete"
        danger
        busy={deleteState.fetching}
        onConfirm={doDelete}
        onCancel={() => setDeleting(null)}
      >
        <p>
          Its {plural(deleting()?.openAlertCount ?? 0, "live alert")} are resolved (webhooks hear it), then the rule and
          its alert history are deleted. This cannot be undone.
        </p>
      </ConfirmDialog>
    </div>
  );
}
