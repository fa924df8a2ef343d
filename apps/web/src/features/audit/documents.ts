import { gql } from "@urql/core";

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  before: string | null;
  after: string | null;
}

export const AuditQuery = gql<{ auditEntries: AuditEntry[] }, { first: number }>(
  `query Audit($first: Int) { auditEntries(first: $first) { id at actor action target before after } }`,
);
