export const ROUTE_NAMES = [
  "list",
  "count",
  "detail",
  "mdm",
  "hostSummary",
  "mdmSummary",
  "deleteHost",
  "deleteMdm",
  "refetch",
] as const;

export type RouteName = (typeof ROUTE_NAMES)[number];

export interface RequestRecord {
  readonly method: string;
  readonly route: RouteName | "unknown";
  /** Path and query as received. */
  readonly url: string;
  readonly hostId: number | null;
  /** Virtual time the request arrived. */
  readonly at: Date;
  /** 0 until the response status is known (a held or destroyed response may never get one). */
  status: number;
  fault: string | null;
}

/** Keeps this many records; counters stay exact however long the simulator runs. */
const MAX_RECORDS = 10_000;

/** What the simulator served: tests count calls per route ("the client made 3 detail calls"). */
export class RequestLog {
  private readonly kept: RequestRecord[] = [];
  private readonly counters = new Map<string, number>();

  record(entry: Omit<RequestRecord, "status" | "fault">): RequestRecord {
    const full: RequestRecord = { ...entry, status: 0, fault: null };
    this.kept.push(full);
    if (this.kept.length > MAX_RECORDS) this.kept.splice(0, this.kept.length - MAX_RECORDS);
    this.counters.set(entry.route, (this.counters.get(entry.route) ?? 0) + 1);
    this.counters.set("*", (this.counters.get("*") ?? 0) + 1);
    return full;
  }

  /** Requests received for a route (all routes when omitted), including refused ones. */
  count(route?: RouteName | "unknown"): number {
    return this.counters.get(route ?? "*") ?? 0;
  }

  /** The most recent records, oldest first. */
  records(route?: RouteName | "unknown"): readonly RequestRecord[] {
    return route ? this.kept.filter((r) => r.route === route) : [...this.kept];
  }

  /** Host ids addressed on a route, in request order (e.g. which hosts were refetched). */
  hostIds(route: RouteName): number[] {
    const ids: number[] = [];
    for (const r of this.kept) if (r.route === route && r.hostId !== null) ids.push(r.hostId);
    return ids;
  }

  clear(): void {
    this.kept.length = 0;
    this.counters.clear();
  }
}
