import { type Accessor, createSignal } from "solid-js";
import type { AuditEntry, AuditFilter } from "./documents.ts";

export const AUDIT_PAGE_SIZE = 50;

export interface AuditPageAnswer {
  entries: AuditEntry[];
  endCursor: string | null;
  hasNextPage: boolean;
  /** Present when asked for (withTotal). */
  total?: number;
}

export type FetchAuditPage = (
  filter: AuditFilter | null,
  after: string | null,
  first: number,
  withTotal: boolean,
) => Promise<AuditPageAnswer>;

export interface AuditLogPages {
  readonly filter: AuditFilter | null;
  readonly entries: Accessor<readonly AuditEntry[]>;
  /** Entries matching the filter on the server; null until the first page answers. */
  readonly total: Accessor<number | null>;
  readonly hasMore: Accessor<boolean>;
  readonly loading: Accessor<boolean>;
  readonly error: Accessor<string | null>;
  /** Fetches the page after the last one loaded and appends it; a no-op while one is loading. */
  loadMore(): void;
  /** Answers still on the way are dropped: the page has moved on to another filter. */
  dispose(): void;
}

/**
 * One filter's audit log, newest first, loaded a page at a time with Relay cursors. The first page
 * starts loading at once.
 */
export function createAuditLogPages(filter: AuditFilter | null, fetchPage: FetchAuditPage): AuditLogPages {
  const [entries, setEntries] = createSignal<readonly AuditEntry[]>([]);
  const [total, setTotal] = createSignal<number | null>(null);
  const [hasMore, setHasMore] = createSignal(true);
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  // The table must show each entry once even if two pages ever overlap, so ids already shown are skipped.
  const seen = new Set<string>();
  let cursor: string | null = null;
  let disposed = false;

  const loadMore = () => {
    if (disposed || loading() || !hasMore()) return;
    setLoading(true);
    setError(null);
    fetchPage(filter, cursor, AUDIT_PAGE_SIZE, total() === null).then(
      (answer) => {
        if (disposed) return;
        const fresh = answer.entries.filter((e) => !seen.has(e.id));
        for (const e of fresh) seen.add(e.id);
        if (fresh.length) setEntries((current) => [...current, ...fresh]);
        if (answer.total !== undefined) setTotal(answer.total);
        cursor = answer.endCursor ?? cursor;
        setHasMore(answer.hasNextPage && answer.endCursor !== null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (disposed) return;
        setError(failure instanceof Error ? failure.message : String(failure));
        setLoading(false);
      },
    );
  };

  loadMore();
  return {
    filter,
    entries,
    total,
    hasMore,
    loading,
    error,
    loadMore,
    dispose: () => {
      disposed = true;
    },
  };
}
