import { createVirtualizer } from "@tanstack/solid-virtual";
import { createEffect, createMemo, createSignal, For, type JSX, on, Show } from "solid-js";
import { StatusBadge } from "../../components/StatusBadge.tsx";
import { formatCount, formatRelative } from "../../lib/format.ts";
import { platformLabel } from "../../lib/status.ts";
import type { DeviceList } from "./deviceList.ts";
import type { DeviceOrderBy } from "./documents.ts";

const ROW_HEIGHT = 40;
/** The sticky header's height: rows start below it inside the scroller. */
const HEADER_HEIGHT = 40;

interface Column {
  key: string;
  label: string;
  /** The orders a click on the header toggles between (none: not sortable). */
  sort?: [DeviceOrderBy, DeviceOrderBy?];
}

const COLUMNS: Column[] = [
  { key: "name", label: "Device", sort: ["NAME_ASC", "NAME_DESC"] },
  { key: "serial", label: "Serial", sort: ["SERIAL_ASC"] },
  { key: "owner", label: "Owner" },
  { key: "platform", label: "Platform / OS", sort: ["PLATFORM_ASC"] },
  { key: "status", label: "Status" },
  { key: "since", label: "In status since", sort: ["STATUS_SINCE_DESC", "STATUS_SINCE_ASC"] },
  { key: "seen", label: "Last seen" },
];

export function deviceHref(id: string): string {
  return `/devices/${encodeURIComponent(id)}`;
}

/**
 * The device list as a table whose body is virtualised: only the rows in view (plus a few)
 * exist in the DOM, so 100,000 devices scroll as smoothly as 100; aria-rowcount/aria-rowindex tell
 * assistive technology where they are. One row is in the tab order; the arrow keys, Page Up/Down,
 * Home and End move between rows and Enter opens the device.
 */
export function DeviceTable(props: {
  list: DeviceList;
  orderBy: DeviceOrderBy;
  onSort(order: DeviceOrderBy): void;
  onOpen(id: string): void;
  now: number;
}) {
  let scroller: HTMLDivElement | undefined;
  const [active, setActive] = createSignal(0);
  const count = () => props.list.total() ?? props.list.loaded();
  const virtualizer = createVirtualizer({
    get count() {
      return count();
    },
    getScrollElement: () => scroller ?? null,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    scrollMargin: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
  });

  // Ask the list for the rows that are (about to be) visible.
  createEffect(() => {
    const items = virtualizer.getVirtualItems();
    const last = items.at(-1)?.index ?? 0;
    props.list.want(last);
  });

  // A new list (filter or order changed) starts at the top.
  createEffect(
    on(
      () => props.list,
      () => {
        setActive(0);
        scroller?.scrollTo({ top: 0 });
      },
      { defer: true },
    ),
  );

  const focusRow = (index: number) => {
    const n = count();
    if (n === 0) return;
    const target = Math.max(0, Math.min(n - 1, index));
    setActive(target);
    virtualizer.scrollToIndex(target, { align: "auto" });
    // The row may only exist after the virtualiser re-renders.
    requestAnimationFrame(() => {
      const row = scroller?.querySelector<HTMLElement>(`[data-index="${target}"]`);
      row?.focus({ preventScroll: true });
    });
  };

  const onKeyDown: JSX.EventHandler<HTMLTableRowElement, KeyboardEvent> = (event) => {
    const page = Math.max(1, Math.floor((scroller?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT) - 1);
    const current = active();
    const moves: Record<string, number> = {
      ArrowDown: current + 1,
      ArrowUp: current - 1,
      PageDown: current + page,
      PageUp: current - page,
      Home: 0,
      End: count() - 1,
    };
    const target = moves[event.key];
    if (target !== undefined) {
      event.preventDefault();
      focusRow(target);
      return;
    }
  };

  // The one row in the tab order: the active one, or the first rendered one when it scrolled away.
  const tabRow = createMemo(() => {
    const items = virtualizer.getVirtualItems();
    const a = active();
    return items.some((i) => i.index === a) ? a : (items[0]?.index ?? 0);
  });

  const ariaSort = (column: Column): "ascending" | "descending" | "none" | undefined => {
    if (!column.sort) return undefined;
    const [first, second] = column.sort;
    if (props.orderBy === first) return first.endsWith("_DESC") ? "descending" : "ascending";
    if (second && props.orderBy === second) return second.endsWith("_DESC") ? "descending" : "ascending";
    return "none";
  };

  const toggleSort = (column: Column) => {
    if (!column.sort) return;
    const [first, second] = column.sort;
    props.onSort(props.orderBy === first && second ? second : first);
  };

  return (
    <div class="device-table">
      {/* The scroller holds the whole table, so the sticky header and the rows scroll in one box. */}
      <div ref={scroller} class="table-scroll" data-testid="device-rows">
        <table aria-label="Devices" aria-rowcount={count() + 1}>
          <thead>
            <tr aria-rowindex={1}>
              <For each={COLUMNS}>
                {(column) => (
                  <th scope="col" class={`col-${column.key}`} aria-sort={ariaSort(column)}>
                    <Show when={column.sort} fallback={column.label}>
                      <button type="button" class="sort-button" onClick={() => toggleSort(column)}>
                        {column.label}
                        <span aria-hidden="true" class="sort-mark">
                          {ariaSort(column) === "ascending" ? "▲" : ariaSort(column) === "descending" ? "▼" : "↕"}
                        </span>
                      </button>
                    </Show>
                  </th>
                )}
              </For>
            </tr>
          </thead>
          <tbody style={{ height: `${virtualizer.getTotalSize()}px` }}>
            <For each={virtualizer.getVirtualItems()}>
              {(item) => {
                const row = () => props.list.row(item.index);
                const flash = () => {
                  const r = row();
                  const f = r ? props.list.flash(r.id, props.now) : null;
                  return f === null ? "" : f % 2 ? " flash-a" : " flash-b";
                };
                const stale = () => {
                  const r = row();
                  return r !== undefined && props.list.hasLeftFilter(r.id);
                };
                const open = () => {
                  const r = row();
                  if (r) props.onOpen(r.id);
                };
                return (
                  <tr
                    aria-rowindex={item.index + 2}
                    data-index={item.index}
                    data-device-id={row()?.id}
                    data-status={row()?.status}
                    tabindex={item.index === tabRow() ? 0 : -1}
                    class={`${flash()}${stale() ? " stale" : ""}${row() ? "" : " placeholder"}`}
                    style={{ transform: `translateY(${item.start - HEADER_HEIGHT}px)` }}
                    onFocus={() => setActive(item.index)}
                    onKeyDown={(event) => {
                      if (event.key === "Enter") open();
                      else onKeyDown(event);
                    }}
                    onClick={(event) => {
                      // A click on the link itself navigates (and modified clicks open a new tab).
                      if (!(event.target instanceof HTMLAnchorElement)) open();
                    }}
                  >
                    <Show
                      when={row()}
                      fallback={
                        <td colSpan={COLUMNS.length} class="loading-cell">
                          Loading row {formatCount(item.index + 1)}…
                        </td>
                      }
                    >
                      {(r) => (
                        <>
                          <td class="col-name">
                            <a href={deviceHref(r().id)} tabindex={-1} title={r().name}>
                              {r().name}
                            </a>
                          </td>
                          <td class="col-serial mono">{r().serial ?? "—"}</td>
                          <td class="col-owner" title={r().owner?.email}>
                            {r().owner?.email ?? "No owner"}
                          </td>
                          <td class="col-platform" title={r().osVersion ?? undefined}>
                            {/* Fleet's OS version names the platform itself ("macOS 15.1", "Windows 11 Pro"). */}
                            {r().osVersion ?? platformLabel(r().platform)}
                          </td>
                          <td class="col-status">
                            <StatusBadge status={r().status} />
                            <Show when={stale()}>
                              <span class="sr-only"> (no longer matches the filter)</span>
                            </Show>
                          </td>
                          <td class="col-since" title={r().statusSince}>
                            {formatRelative(r().statusSince, props.now)}
                          </td>
                          <td class="col-seen" title={r().lastSeenAt ?? "never"}>
                            {formatRelative(r().lastSeenAt, props.now)}
                          </td>
                        </>
                      )}
                    </Show>
                  </tr>
                );
              }}
            </For>
          </tbody>
        </table>
      </div>
    </div>
  );
}
