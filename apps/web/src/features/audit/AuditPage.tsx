import { A, useSearchParams } from "@solidjs/router";
import type { Client } from "@urql/core";
import { createQuery } from "@urql/solid";
import { createEffect, createMemo, createSignal, For, on, onCleanup, Show } from "solid-js";
import { useApp } from "../../app/context.ts";
import { Notice } from "../../components/Notice.tsx";
import { formatCount, formatDateTime } from "../../lib/format.ts";
import { deviceHref } from "../devices/DeviceTable.tsx";
import {
  AUDIT_FILTER_KEYS,
  type AuditFilterParams,
  actionGroups,
  actionsParam,
  actionsSummary,
  auditFilterFrom,
  auditParamsFrom,
  hasAuditFilter,
  parseActions,
} from "./auditFilter.ts";
import { type AuditLogPages, createAuditLogPages, type FetchAuditPage } from "./auditLog.ts";
import { AuditActionsQuery, AuditLogQuery } from "./documents.ts";

/** One page of the audit log connection through urql (HTTP, no cache). */
export function auditPageFetcher(client: Client): FetchAuditPage {
  return async (filter, after, first, withTotal) => {
    const result = await client.query(AuditLogQuery, { first, after, filter, withTotal }).toPromise();
    if (result.error || !result.data) throw new Error(result.error?.message ?? "No data");
    const { auditLog } = result.data;
    return {
      entries: auditLog.edges.map((e) => e.node),
      endCursor: auditLog.pageInfo.endCursor,
      hasNextPage: auditLog.pageInfo.hasNextPage,
      ...(auditLog.totalCount === undefined ? {} : { total: auditLog.totalCount }),
    };
  };
}

type TextFilterKey = "actor" | "target";

/**
 * Who changed what, and when: settings, actions on devices, tokens, confirmations, employees'
 * visits. The filters live in the URL, so an investigation can be shared or reloaded as it is.
 */
export default function AuditPage() {
  const { live } = useApp();
  const [params, setParams] = useSearchParams();
  const fetchPage = auditPageFetcher(live.urql);

  const filterParams = createMemo<AuditFilterParams>(() => auditParamsFrom(params), auditParamsFrom({}), {
    equals: (a, b) => JSON.stringify(a) === JSON.stringify(b),
  });
  const filter = createMemo(() => auditFilterFrom(filterParams()), null, {
    equals: (a, b) => JSON.stringify(a) === JSON.stringify(b),
  });

  // A new list per filter; answers for the previous one are dropped.
  const [pages, setPages] = createSignal<AuditLogPages>(createAuditLogPages(filter(), fetchPage));
  const reload = () => {
    pages().dispose();
    setPages(createAuditLogPages(filter(), fetchPage));
  };
  createEffect(on(filter, reload, { defer: true }));
  onCleanup(() => pages().dispose());

  const [actionsResult, refetchActions] = createQuery({ query: AuditActionsQuery });
  const chosenActions = createMemo(() => parseActions(filterParams().action), [], {
    equals: (a, b) => a.join() === b.join(),
  });
  // An action from a shared link stays choosable even if no entry holds it any more.
  // Kept when the groups are the same, so ticking a box does not rebuild the boxes under the pointer.
  const actionChoices = createMemo(
    () => actionGroups([...(actionsResult.data?.auditActions ?? []), ...chosenActions()]),
    [],
    { equals: (a, b) => JSON.stringify(a) === JSON.stringify(b) },
  );
  const setActions = (actions: readonly string[]) => setParams({ action: actionsParam(actions) });
  let picker: HTMLDetailsElement | undefined;
  const toggleActions = (actions: readonly string[], on: boolean) => {
    const rest = chosenActions().filter((a) => !actions.includes(a));
    setActions(on ? [...rest, ...actions] : rest);
  };

  // Typing waits for a pause before it filters, not for every key (as the devices search does).
  const [text, setText] = createSignal<Record<TextFilterKey, string>>({
    actor: filterParams().actor,
    target: filterParams().target,
  });
  const timers: Partial<Record<TextFilterKey, ReturnType<typeof setTimeout>>> = {};
  const applyText = (key: TextFilterKey) => {
    clearTimeout(timers[key]);
    setParams({ [key]: text()[key].trim() || undefined }, { replace: true });
  };
  const onTextInput = (key: TextFilterKey, value: string) => {
    setText((current) => ({ ...current, [key]: value }));
    clearTimeout(timers[key]);
    timers[key] = setTimeout(() => applyText(key), 250);
  };
  onCleanup(() => {
    clearTimeout(timers.actor);
    clearTimeout(timers.target);
  });
  // Back and forward change the URL under the fields: they follow it. Keyed per field, so picking
  // an action while an actor is still being typed does not wipe it.
  for (const key of ["actor", "target"] as const) {
    createEffect(
      on(
        () => filterParams()[key],
        (value) => {
          if (value !== text()[key].trim()) setText((current) => ({ ...current, [key]: value }));
        },
        { defer: true },
      ),
    );
  }

  const clearFilters = () => {
    clearTimeout(timers.actor);
    clearTimeout(timers.target);
    setText({ actor: "", target: "" });
    setParams(Object.fromEntries(AUDIT_FILTER_KEYS.map((key) => [key, undefined])));
  };

  const refresh = () => {
    reload();
    refetchActions({ requestPolicy: "network-only" });
  };

  // Only the total is announced; the shown count changes with every page and would be noise.
  const totalLine = () => {
    const total = pages().total();
    return total === null ? "" : `${formatCount(total)} ${total === 1 ? "entry" : "entries"}`;
  };
  const shownLine = () => {
    const total = pages().total();
    const shown = pages().entries().length;
    return total !== null && shown < total ? ` · ${formatCount(shown)} shown` : "";
  };

  return (
    <div class="page">
      <div class="page-head">
        <h1>Audit log</h1>
        <button type="button" class="button" onClick={refresh}>
          Refresh
        </button>
      </div>
      <form
        class="filters audit-filters"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          applyText("actor");
          applyText("target");
        }}
      >
        <div class="filter-row">
          <div class="field">
            <span id="audit-action-label">Actions</span>
            <details
              class="multi-choice"
              data-testid="filter-action"
              ref={picker}
              // Closes like a menu: on Escape (focus back on its button) and when focus leaves it, so
              // the open list never covers the field the keyboard moved on to.
              onKeyDown={(e) => {
                if (e.key !== "Escape" || !picker?.open) return;
                e.preventDefault();
                picker.open = false;
                picker.querySelector("summary")?.focus();
              }}
              onFocusOut={(e) => {
                if (picker && !picker.contains(e.relatedTarget as Node | null)) picker.open = false;
              }}
            >
              <summary aria-labelledby="audit-action-label audit-action-summary">
                <span id="audit-action-summary">{actionsSummary(chosenActions())}</span>
              </summary>
              <div class="multi-choice-menu">
                <For each={actionChoices()}>
                  {(group) => (
                    <fieldset>
                      <legend>{group.subject}</legend>
                      <Show when={group.actions.length > 1}>
                        <label class="check">
                          <input
                            type="checkbox"
                            checked={group.actions.every((a) => chosenActions().includes(a))}
                            // Mixed when only part of the group is chosen (a property, not an attribute).
                            ref={(box) =>
                              createEffect(() => {
                                const some = group.actions.some((a) => chosenActions().includes(a));
                                box.indeterminate = some && !group.actions.every((a) => chosenActions().includes(a));
                              })
                            }
                            onChange={(e) => toggleActions(group.actions, e.currentTarget.checked)}
                          />
                          every {group.subject} action
                        </label>
                      </Show>
                      <For each={group.actions}>
                        {(action) => (
                          <label class="check mono">
                            <input
                              type="checkbox"
                              value={action}
                              checked={chosenActions().includes(action)}
                              onChange={(e) => toggleActions([action], e.currentTarget.checked)}
                            />
                            {action}
                          </label>
                        )}
                      </For>
                    </fieldset>
                  )}
                </For>
                <Show when={chosenActions().length > 0}>
                  <button
                    type="button"
                    class="link-button"
                    onClick={() => {
                      setActions([]);
                      // The button goes away with the choice: focus stays in the picker.
                      picker?.querySelector("summary")?.focus();
                    }}
                  >
                    All actions
                  </button>
                </Show>
              </div>
            </details>
          </div>
          <label class="field grow">
            <span>Actor</span>
            <input
              type="search"
              placeholder="Token name, employee:e-mail or system"
              value={text().actor}
              onInput={(e) => onTextInput("actor", e.currentTarget.value)}
              data-testid="filter-actor"
            />
          </label>
          <label class="field grow">
            <span>Target</span>
            <input
              type="search"
              placeholder="Device id (from its page) or other id"
              value={text().target}
              onInput={(e) => onTextInput("target", e.currentTarget.value)}
              data-testid="filter-target"
            />
          </label>
          <label class="field">
            <span>From</span>
            <input
              type="date"
              value={filterParams().from}
              max={filterParams().to || undefined}
              onChange={(e) => setParams({ from: e.currentTarget.value || undefined })}
              data-testid="filter-from"
            />
          </label>
          <label class="field">
            <span>To</span>
            <input
              type="date"
              value={filterParams().to}
              min={filterParams().from || undefined}
              onChange={(e) => setParams({ to: e.currentTarget.value || undefined })}
              data-testid="filter-to"
            />
          </label>
          <Show when={hasAuditFilter(filterParams())}>
            <div class="field">
              <button type="button" class="link-button" onClick={clearFilters} data-testid="clear-filters">
                Clear filters
              </button>
            </div>
          </Show>
        </div>
      </form>
      <p class="muted" data-testid="audit-total">
        <span role="status">{totalLine()}</span>
        {shownLine()}
      </p>
      <Show when={pages().error()}>
        {(e) => (
          <Notice kind="error">
            {e()}{" "}
            <button type="button" class="link-button" onClick={() => pages().loadMore()}>
              Retry
            </button>
          </Notice>
        )}
      </Show>
      <Show
        when={pages().total() !== null}
        fallback={
          <Show when={!pages().error()}>
            <p class="muted">Loading…</p>
          </Show>
        }
      >
        <Show
          when={pages().entries().length > 0}
          fallback={
            <p class="muted">
              {hasAuditFilter(filterParams()) ? "No entries match these filters." : "The audit log is empty."}
            </p>
          }
        >
          <div class="table-scroll">
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
                <For each={pages().entries()}>
                  {(e) => (
                    <tr data-testid="audit-row" data-entry-id={e.id} data-action={e.action}>
                      <td class="nowrap">{formatDateTime(e.at)}</td>
                      <td data-testid="audit-actor">{e.actor}</td>
                      <td class="mono">{e.action}</td>
                      <td>
                        <Show when={e.targetDevice} fallback={<span class="mono small">{e.target ?? "—"}</span>}>
                          {(d) => (
                            <A href={deviceHref(d().id)} data-testid="audit-target-device">
                              {d().name}
                            </A>
                          )}
                        </Show>
                      </td>
                      <td class="mono small change-cell">
                        <Show when={e.before}>{(b) => <div>before: {b()}</div>}</Show>
                        <Show when={e.after}>{(a) => <div>after: {a()}</div>}</Show>
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
          <Show when={pages().hasMore()}>
            <p>
              <button
                type="button"
                class="button"
                onClick={() => pages().loadMore()}
                disabled={pages().loading()}
                data-testid="load-more"
              >
                {pages().loading() ? "Loading…" : "Load more"}
              </button>
            </p>
          </Show>
        </Show>
      </Show>
    </div>
  );
}
