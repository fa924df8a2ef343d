import { gql } from "@urql/core";

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  /** Set when the target is a device that still exists. */
  targetDevice: { id: string; name: string } | null;
  before: string | null;
  after: string | null;
}

/** The server's AuditFilter: every field given must match. */
export interface AuditFilter {
  action?: string[];
  /** A substring of the actor, any case. */
  actor?: string;
  /** A stored target id, or a Device's global id. */
  target?: string;
  /** At or after this instant (ISO). */
  since?: string;
  /** Before this instant (ISO). */
  until?: string;
}

export interface AuditLogResult {
  auditLog: {
    totalCount?: number;
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
    edges: { node: AuditEntry }[];
  };
}

export interface AuditLogVariables {
  first: number;
  after: string | null;
  filter: AuditFilter | null;
  /** totalCount costs a COUNT over the filter: asked for on the first page only. */
  withTotal: boolean;
}

// Pages are at most 500 (the server's maxSize).
export const AuditLogQuery = gql<AuditLogResult, AuditLogVariables>(`
  query AuditLog($first: Int!, $after: String, $filter: AuditFilter, $withTotal: Boolean!) {
    auditLog(first: $first, after: $after, filter: $filter) {
      totalCount @include(if: $withTotal)
      pageInfo { endCursor hasNextPage }
      edges { node { id at actor action target targetDevice { id name } before after } }
    }
  }
`);

export const AuditActionsQuery = gql<{ auditActions: string[] }, Record<string, never>>(
  "query AuditActions { auditActions }",
);
