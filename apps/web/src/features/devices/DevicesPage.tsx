import { A, useNavigate, useSearchParams } from "@solidjs/router";
import type { Client } from "@urql/core";
import { createEffect, createMemo, createResource, createSignal, For, on, onCleanup, Show } from "solid-js";
import { useApp, useIsAdmin } from "../../app/context.ts";
import { Notice } from "../../components/Notice.tsx";
import { formatCount } from "../../lib/format.ts";
import { type EnrollmentStatus, isStatus, PLATFORMS, platformLabel, STATUS_INFO, STATUSES } from "../../lib/status.ts";
import { BulkMessageButton, type BulkSendResult } from "./BulkMessageDialog.tsx";
import { collectCsv, downloadCsv, type ExportProgress } from "./csv.ts";
import { DeviceTable, deviceHref } from "./DeviceTable.tsx";
import { DeviceList, type DeviceQuery, type FetchDevicePage } from "./deviceList.ts";
import {
  DEVICE_ORDERS,
  type DeviceFilter,
  type DeviceOrderBy,
  DevicePageQuery,
  type TeamCount,
  TeamsQuery,
} from "./documents.ts";

const ORDER_LABELS: Record<DeviceOrderBy, string> = {
  NAME_ASC: "Name (A–Z)",
  NAME_DESC: "Name (Z–A)",
  SERIAL_ASC: "Serial",
  PLATFORM_ASC: "Platform",
  STATUS_SINCE_DESC: "Most recent status change",
  STATUS_SINCE_ASC: "Oldest status change",
};

function single(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

/** One page of the devices connection through urql (HTTP, no cache). */
export function devicePageFetcher(client: Client): FetchDevicePage {
  return async (query, after, first, withTotal) => {
    const result = await client
      .query(DevicePageQuery, { first, after, filter: query.filter, orderBy: query.orderBy, withTotal })
      .toPromise();
    if (result.error || !result.data) throw new Error(result.error?.message ?? "No data");
    const { devices } = result.data;
    return {
      rows: devices.edges.map((e) => e.node),
      endCursor: devices.pageInfo.endCursor,
      hasNextPage: devices.pageInfo.hasNextPage,
      ...(devices.totalCount === undefined ? {} : { total: devices.totalCount }),
    };
  };
}

/**
 * The device list: filters (status, platform, free text) and order live in the URL, so a card on
 * the overview links straight to a filtered list and the back button works.
 */
export default function DevicesPage() {
  const { live, now } = useApp();
  const isAdmin = useIsAdmin();
  const [bulkSent, setBulkSent] = createSignal<BulkSendResult | null>(null);
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const fetchPage = devicePageFetcher(live.urql);

  const statuses = createMemo(() => single(params.status).split(",").filter(isStatus), undefined, {
    equals: (a, b) => a.join() === b.join(),
  });
  const platform = () => single(params.platform);
  // A team by name, or the devices in no team (`noteam=1`): a name could be any text, so "no team"
  // has its own parameter rather than a reserved name.
  const team = (): { name: string } | "none" | null => {
    if (single(params.noteam) === "1") return "none";
    const name = single(params.team);
    return name ? { name } : null;
  };
  // A team from a shared link stays choosable even when no device is in it any more.
  const namedTeams = (): { name: string; devices: number | null }[] => {
    const named = (teams() ?? []).filter((t): t is TeamCount & { name: string } => t.name !== null);
    const chosen = team();
    return chosen && chosen !== "none" && !named.some((t) => t.name === chosen.name)
      ? [...named, { name: chosen.name, devices: null }]
      : named;
  };
  const teamValue = () => {
    const t = team();
    return t === "none" ? "none" : t ? `team:${t.name}` : "";
  };
  const chooseTeam = (value: string) =>
    setParams({
      team: value.startsWith("team:") ? value.slice("team:".length) : undefined,
      noteam: value === "none" ? "1" : undefined,
    });
  const search = () => single(params.q);
  const orderBy = (): DeviceOrderBy => {
    const value = single(params.sort);
    return (DEVICE_ORDERS as readonly string[]).includes(value) ? (value as DeviceOrderBy) : "NAME_ASC";
  };

  const query = createMemo<DeviceQuery>(
    () => {
      const filter: DeviceFilter = {};
      if (statuses().length) filter.status = statuses();
      if (platform()) filter.platform = [platform()];
      const t = team();
      if (t) filter.team = [t === "none" ? null : t.name];
      if (search().trim()) filter.search = search().trim();
      return { filter: Object.keys(filter).length ? filter : null, orderBy: orderBy() };
    },
    { filter: null, orderBy: "NAME_ASC" },
    { equals: (a, b) => JSON.stringify(a) === JSON.stringify(b) },
  );

  // Read again with each new list, so the counts beside the names are those of now.
  const [teams] = createResource(query, async () => {
    const result = await live.urql.query(TeamsQuery, {}, { requestPolicy: "network-only" }).toPromise();
    return result.data?.teams ?? [];
  });

  // A new list per filter and order; the previous one stops loading.
  const [list, setList] = createSignal(new DeviceList(query(), fetchPage));
  createEffect(
    on(
      query,
      (q) => {
        list().dispose();
        setList(new DeviceList(q, fetchPage));
        setBulkSent(null);
      },
      { defer: true },
    ),
  );
  const stopListening = live.events.listen((batch) => list().applyEvents(batch));
  onCleanup(() => {
    stopListening();
    list().dispose();
  });

  // Typing waits for a pause before it filters, not for every key.
  const [searchText, setSearchText] = createSignal(search());
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  const onSearchInput = (value: string) => {
    setSearchText(value);
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => setParams({ q: value.trim() || undefined }, { replace: true }), 250);
  };
  onCleanup(() => clearTimeout(searchTimer));

  const toggleStatus = (status: EnrollmentStatus) => {
    const current = statuses();
    const next = current.includes(status) ? current.filter((s) => s !== status) : [...current, status];
    setParams({ status: next.length ? next.join(",") : undefined });
  };

  const [exporting, setExporting] = createSignal<ExportProgress | null>(null);
  const [exportError, setExportError] = createSignal<string | null>(null);
  let exportAbort: AbortController | undefined;
  const exportCsv = async () => {
    exportAbort = new AbortController();
    setExportError(null);
    setExporting({ rows: 0, total: list().total() });
    const q = query();
    try {
      const parts = await collectCsv(
        (after, withTotal) => fetchPage(q, after, 500, withTotal),
        (progress) => setExporting(progress),
        exportAbort.signal,
      );
      const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, "-");
      downloadCsv(parts, `enrollwatch-devices-${stamp}.csv`);
    } catch (error) {
      if (!(error instanceof DOMException && error.name === "AbortError")) {
        setExportError(error instanceof Error ? error.message : String(error));
      }
    } finally {
      setExporting(null);
    }
  };
  onCleanup(() => exportAbort?.abort());

  /** What live events changed about the list's membership since it loaded, or null. */
  const changedLine = (): string | null => {
    const left = list().outOfFilter();
    const joined = list().joinedFilter();
    const devices = (n: number) => `${formatCount(n)} ${n === 1 ? "device" : "devices"}`;
    if (left > 0 && joined > 0)
      return `Since the list loaded, ${devices(left)} left the filter and ${devices(joined)} joined it.`;
    if (joined > 0)
      return `${formatCount(joined)} more ${joined === 1 ? "device matches" : "devices match"} the filter since the list loaded.`;
    if (left > 0)
      return `${devices(left)} no longer ${left === 1 ? "matches" : "match"} the filter since the list loaded.`;
    return null;
  };

  // Only the total is announced; the loaded count changes while scrolling and would be noise.
  const totalLine = () => {
    const total = list().total();
    return total === null ? "Loading devices…" : `${formatCount(total)} ${total === 1 ? "device" : "devices"}`;
  };
  const loadedLine = () => {
    const total = list().total();
    const loaded = list().loaded();
    return total !== null && loaded < total ? ` · ${formatCount(loaded)} loaded` : "";
  };

  return (
    <div class="page devices-page">
      <div class="page-head">
        <h1>Devices</h1>
        <p class="muted" data-testid="result-line">
          <span role="status">{totalLine()}</span>
          {loadedLine()}
        </p>
      </div>
      <form class="filters" aria-label="Filter devices" onSubmit={(e) => e.preventDefault()}>
        <fieldset class="status-filter">
          <legend>Status</legend>
          <For each={STATUSES}>
            {(status) => (
              <label class={`chip status-${STATUS_INFO[status].tone}`}>
                <input
                  type="checkbox"
                  checked={statuses().includes(status)}
                  onChange={() => toggleStatus(status)}
                  data-testid={`filter-${status}`}
                />
                <span aria-hidden="true" class="badge-symbol">
                  {STATUS_INFO[status].symbol}
                </span>
                {STATUS_INFO[status].label}
              </label>
            )}
          </For>
        </fieldset>
        <div class="filter-row">
          <label class="field">
            <span>Platform</span>
            <select
              value={platform()}
              onChange={(e) => setParams({ platform: e.currentTarget.value || undefined })}
              data-testid="filter-platform"
            >
              <option value="">All platforms</option>
              <For each={PLATFORMS}>{(p) => <option value={p}>{platformLabel(p)}</option>}</For>
            </select>
          </label>
          <Show when={namedTeams().length > 0 || team() !== null}>
            <label class="field">
              <span>Team</span>
              <select value={teamValue()} onChange={(e) => chooseTeam(e.currentTarget.value)} data-testid="filter-team">
                <option value="">All teams</option>
                <For each={namedTeams()}>
                  {(t) => (
                    // `selected` per option: the teams arrive after the select's value was set.
                    <option value={`team:${t.name}`} selected={teamValue() === `team:${t.name}`}>
                      {t.name}
                      {t.devices === null ? "" : ` (${formatCount(t.devices)})`}
                    </option>
                  )}
                </For>
                <option value="none" selected={teamValue() === "none"}>
                  No team
                </option>
              </select>
            </label>
          </Show>
          <label class="field grow">
            <span>Search</span>
            <input
              type="search"
              placeholder="Serial, name or owner e-mail"
              value={searchText()}
              onInput={(e) => onSearchInput(e.currentTarget.value)}
              data-testid="filter-search"
            />
          </label>
          <label class="field">
            <span>Order</span>
            <select value={orderBy()} onChange={(e) => setParams({ sort: e.currentTarget.value })}>
              <For each={DEVICE_ORDERS}>{(o) => <option value={o}>{ORDER_LABELS[o]}</option>}</For>
            </select>
          </label>
          <div class="field export">
            <Show when={isAdmin()}>
              <BulkMessageButton
                client={live.urql}
                filter={query().filter}
                total={list().total()}
                onSent={setBulkSent}
              />
            </Show>
            <Show
              when={exporting()}
              fallback={
                <button type="button" class="button" onClick={exportCsv} data-testid="export-csv">
                  Export CSV
                </button>
              }
            >
              {(p) => (
                <span class="export-progress" role="status">
                  Exporting {formatCount(p().rows)}
                  {p().total === null ? "" : ` of ${formatCount(p().total ?? 0)}`}…{" "}
                  <button type="button" class="link-button" onClick={() => exportAbort?.abort()}>
                    Cancel
                  </button>
                </span>
              )}
            </Show>
          </div>
        </div>
      </form>
      <Show when={bulkSent()}>
        {(s) => (
          <Notice kind="success" testid="bulk-message-result">
            {formatCount(s().queued)} {s().queued === 1 ? "message" : "messages"} queued for{" "}
            {formatCount(s().recipients)} {s().recipients === 1 ? "person" : "people"}; see the{" "}
            <A href="/outbox">outbox</A>.
          </Notice>
        )}
      </Show>
      <Show when={exportError()}>{(e) => <Notice kind="error">Export failed: {e()}</Notice>}</Show>
      <Show when={changedLine()}>
        <Notice kind="info" testid="list-changed">
          {changedLine()}{" "}
          <button type="button" class="link-button" onClick={() => setList(new DeviceList(query(), fetchPage))}>
            Refresh the list
          </button>
        </Notice>
      </Show>
      <Show when={list().error()}>
        {(e) => (
          <Notice kind="error">
            Could not load devices: {e()}{" "}
            <button type="button" class="link-button" onClick={() => list().retry()}>
              Retry
            </button>
          </Notice>
        )}
      </Show>
      <Show when={list().total() === 0}>
        <Notice kind="info">No device matches these filters.</Notice>
      </Show>
      <DeviceTable
        list={list()}
        orderBy={orderBy()}
        onSort={(order) => setParams({ sort: order })}
        onOpen={(id) => navigate(deviceHref(id))}
        now={now()}
      />
    </div>
  );
}
