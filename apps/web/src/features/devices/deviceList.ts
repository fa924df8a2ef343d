import { type Accessor, createSignal } from "solid-js";
import type { LiveStatusEvent } from "../../lib/liveDocuments.ts";
import type { DeviceFilter, DeviceOrderBy, DeviceRow } from "./documents.ts";

/** A small first page paints fast; then the server's maximum, to cover fast scrolling in few requests. */
export const FIRST_PAGE = 100;
export const NEXT_PAGE = 500;
/** How far past the last visible row to keep loaded, so scrolling rarely meets a placeholder. */
const PREFETCH_ROWS = 200;
/** How long an updated row stays highlighted (the CSS animation's duration). */
export const FLASH_MS = 1_600;

export interface DeviceQuery {
  filter: DeviceFilter | null;
  orderBy: DeviceOrderBy;
}

export interface PageAnswer {
  rows: DeviceRow[];
  endCursor: string | null;
  hasNextPage: boolean;
  total?: number;
}

export type FetchDevicePage = (
  query: DeviceQuery,
  after: string | null,
  first: number,
  withTotal: boolean,
) => Promise<PageAnswer>;

/**
 * The rows of one filtered, ordered device list, loaded with Relay cursors as the table asks for
 * them. Cursors only go forward, so the loaded rows are always a prefix of the list; the table
 * shows placeholders beyond it while pages come in. Rows are plain objects in an array (100,000
 * signals would cost more than they save): one `version` signal tells the visible rows to re-read.
 */
export class DeviceList {
  readonly total: Accessor<number | null>;
  readonly loaded: Accessor<number>;
  readonly version: Accessor<number>;
  readonly error: Accessor<string | null>;
  readonly loading: Accessor<boolean>;
  /** Devices whose status changed since the list loaded and that no longer match its status filter (loaded or not). */
  readonly outOfFilter: Accessor<number>;
  /** Devices not in the list whose status changed into its status filter since it loaded. */
  readonly joinedFilter: Accessor<number>;
  private readonly set: {
    total: (n: number | null) => void;
    loaded: (n: number) => void;
    version: (f: (n: number) => number) => void;
    error: (e: string | null) => void;
    loading: (b: boolean) => void;
    outOfFilter: (f: (n: number) => number) => void;
    joinedFilter: (f: (n: number) => number) => void;
  };
  private readonly rows: DeviceRow[] = [];
  private readonly indexById = new Map<string, number>();
  private readonly flashes = new Map<string, { at: number; count: number }>();
  private readonly leftFilter = new Set<string>();
  private readonly joined = new Set<string>();
  private cursor: string | null = null;
  private hasNext = true;
  private wanted = 0;
  private pumping = false;
  private disposed = false;

  constructor(
    readonly query: DeviceQuery,
    private readonly fetchPage: FetchDevicePage,
  ) {
    const [total, setTotal] = createSignal<number | null>(null);
    const [loaded, setLoaded] = createSignal(0);
    const [version, setVersion] = createSignal(0);
    const [error, setError] = createSignal<string | null>(null);
    const [loading, setLoading] = createSignal(false);
    const [outOfFilter, setOutOfFilter] = createSignal(0);
    const [joinedFilter, setJoinedFilter] = createSignal(0);
    this.total = total;
    this.loaded = loaded;
    this.version = version;
    this.error = error;
    this.loading = loading;
    this.outOfFilter = outOfFilter;
    this.joinedFilter = joinedFilter;
    this.set = {
      total: setTotal,
      loaded: setLoaded,
      version: setVersion,
      error: setError,
      loading: setLoading,
      outOfFilter: setOutOfFilter,
      joinedFilter: setJoinedFilter,
    };
  }

  /** The row at `index`, or undefined while it is not loaded; reactive. */
  row(index: number): DeviceRow | undefined {
    this.version();
    this.loaded();
    return this.rows[index];
  }

  /** The highlight of a recently updated row: its update count (to restart the animation) or null. */
  flash(id: string, now: number = Date.now()): number | null {
    this.version();
    const f = this.flashes.get(id);
    return f && now - f.at < FLASH_MS ? f.count : null;
  }

  hasLeftFilter(id: string): boolean {
    this.version();
    return this.leftFilter.has(id);
  }

  /** Asks for rows up to `index` (the last visible one); loads pages in order until they are in. */
  want(index: number): void {
    this.wanted = index + 1;
    void this.pump();
  }

  /** Retries after an error. */
  retry(): void {
    this.set.error(null);
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.disposed) return;
    this.pumping = true;
    this.set.loading(true);
    try {
      while (
        !this.disposed &&
        this.hasNext &&
        (this.rows.length === 0 || this.rows.length < this.wanted + PREFETCH_ROWS)
      ) {
        const first = this.rows.length === 0 ? FIRST_PAGE : NEXT_PAGE;
        const page = await this.fetchPage(this.query, this.cursor, first, this.cursor === null);
        if (this.disposed) return;
        if (page.total !== undefined) this.set.total(page.total);
        for (const row of page.rows) {
          // A device seen twice (the order moved under us between pages) keeps its first place.
          if (this.indexById.has(row.id)) continue;
          // A device that joined the filter after the list loaded and now arrives in a later page.
          if (this.joined.delete(row.id)) this.set.joinedFilter((n) => n - 1);
          this.indexById.set(row.id, this.rows.length);
          this.rows.push(row);
        }
        this.cursor = page.endCursor;
        this.hasNext = page.hasNextPage && page.endCursor !== null;
        this.set.loaded(this.rows.length);
        if (!this.hasNext) this.set.total(this.rows.length);
      }
    } catch (error) {
      this.set.error(error instanceof Error ? error.message : String(error));
    } finally {
      this.pumping = false;
      this.set.loading(false);
    }
  }

  /**
   * Updates loaded rows in place from live events (the event carries the device's current state, so
   * applying an older event later cannot roll a row back). Returns how many rows changed.
   */
  applyEvents(batch: readonly LiveStatusEvent[], now: number = Date.now()): number {
    let changed = 0;
    const statusFilter = this.query.filter?.status;
    for (const event of batch) {
      const index = this.indexById.get(event.device.id);
      if (index === undefined) {
        // Before the first page has landed its total may or may not hold the event's change.
        if (statusFilter?.length && this.total() !== null) this.noteUnloaded(event, statusFilter);
        continue;
      }
      const row = this.rows[index];
      if (!row) continue;
      const d = event.device;
      this.rows[index] = {
        ...row,
        name: d.name,
        serial: d.serial,
        status: d.status,
        statusSince: d.statusSince,
        lastSeenAt: d.lastSeenAt,
      };
      const previous = this.flashes.get(d.id);
      this.flashes.set(d.id, { at: now, count: (previous?.count ?? 0) + 1 });
      if (statusFilter?.length) {
        const fits = statusFilter.includes(d.status);
        if (!fits && !this.leftFilter.has(d.id)) {
          this.leftFilter.add(d.id);
          this.set.outOfFilter((n) => n + 1);
        } else if (fits && this.leftFilter.delete(d.id)) {
          this.set.outOfFilter((n) => n - 1);
        }
      }
      changed++;
    }
    if (changed > 0) {
      // Forget old highlights so the map does not grow with every event of a long session.
      if (this.flashes.size > 5_000) {
        for (const [id, f] of this.flashes) if (now - f.at >= FLASH_MS) this.flashes.delete(id);
      }
      this.set.version((v) => v + 1);
    }
    return changed;
  }

  /**
   * A device the list has not loaded moved into or out of its status filter. Only what the event can
   * tell is counted: its platform, its team and, for a search, its name or serial (a device that matches only
   * by its owner's e-mail is not seen here, so the count can fall short; an event that arrives
   * after a page that already held its change counts once too many, until the list is refreshed).
   */
  private noteUnloaded(event: LiveStatusEvent, statusFilter: readonly string[]): void {
    const d = event.device;
    const platforms = this.query.filter?.platform;
    if (platforms?.length && !platforms.includes(d.platform)) return;
    const teams = this.query.filter?.team;
    if (teams?.length && !teams.includes(d.team)) return;
    const search = this.query.filter?.search?.trim().toLocaleLowerCase();
    if (search && !`${d.name}\n${d.serial ?? ""}`.toLocaleLowerCase().includes(search)) return;
    const wasIn = event.from !== null && statusFilter.includes(event.from);
    const isIn = statusFilter.includes(event.to);
    if (!wasIn && isIn) {
      if (this.leftFilter.delete(d.id)) this.set.outOfFilter((n) => n - 1);
      else if (!this.joined.has(d.id)) {
        this.joined.add(d.id);
        this.set.joinedFilter((n) => n + 1);
      }
    } else if (wasIn && !isIn) {
      if (this.joined.delete(d.id)) this.set.joinedFilter((n) => n - 1);
      else if (!this.leftFilter.has(d.id)) {
        this.leftFilter.add(d.id);
        this.set.outOfFilter((n) => n + 1);
      }
    }
  }

  /** All loaded rows (for tests and small exports). */
  snapshot(): readonly DeviceRow[] {
    return this.rows;
  }

  dispose(): void {
    this.disposed = true;
  }
}
