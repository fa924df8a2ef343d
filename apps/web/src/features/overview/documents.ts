import { gql } from "@urql/core";
import type { EnrollmentStatus } from "../../lib/status.ts";

export type SyncRunState = "RUNNING" | "SUCCEEDED" | "FAILED" | "AWAITING_CONFIRMATION";

export interface SyncRun {
  id: string;
  state: SyncRunState;
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  hostsSeen: number;
  transitions: number;
  error: string | null;
  pendingUnenrollCount: number;
  unenrollConfirmedAt: string | null;
  unenrollConfirmedBy: string | null;
}

const SYNC_RUN_FIELDS = `id state trigger startedAt finishedAt hostsSeen transitions error pendingUnenrollCount
  unenrollConfirmedAt unenrollConfirmedBy`;

export const SyncRunsQuery = gql<{ syncRuns: SyncRun[] }, { first: number }>(
  `query SyncRuns($first: Int) { syncRuns(first: $first) { ${SYNC_RUN_FIELDS} } }`,
);

export const SyncRunsSubscription = gql<{ syncRuns: SyncRun }, Record<string, never>>(
  `subscription LiveSyncRuns { syncRuns { ${SYNC_RUN_FIELDS} } }`,
);

type ErrorResult = { __typename: "ForbiddenError" | "ConflictError" | "NotFoundError"; message: string };

export const SyncNowMutation = gql<
  { syncNow: { __typename: "MutationSyncNowSuccess"; data: SyncRun } | ErrorResult },
  Record<string, never>
>(`mutation SyncNow {
  syncNow {
    __typename
    ... on MutationSyncNowSuccess { data { ${SYNC_RUN_FIELDS} } }
    ... on Error { message }
  }
}`);

export const ConfirmUnenrollmentMutation = gql<
  { confirmUnenrollment: { __typename: "MutationConfirmUnenrollmentSuccess"; data: SyncRun } | ErrorResult },
  { syncRunId: string }
>(`mutation ConfirmUnenrollment($syncRunId: ID!) {
  confirmUnenrollment(syncRunId: $syncRunId) {
    __typename
    ... on MutationConfirmUnenrollmentSuccess { data { ${SYNC_RUN_FIELDS} } }
    ... on Error { message }
  }
}`);

export interface Transition {
  seq: string;
  at: string;
  from: EnrollmentStatus | null;
  to: EnrollmentStatus;
}

/** The chart's replay: light fields only, up to 1000 events per request. */
export const TransitionsQuery = gql<{ statusEvents: Transition[] }, { afterSeq: string; first: number }>(
  `query Transitions($afterSeq: String, $first: Int) { statusEvents(afterSeq: $afterSeq, first: $first) { seq at from to } }`,
);

export interface TeamStatusSummary {
  team: string | null;
  total: number;
  counts: { status: EnrollmentStatus; count: number }[];
}

export const TeamSummariesQuery = gql<{ teamSummaries: TeamStatusSummary[] }, Record<string, never>>(
  "query TeamSummaries { teamSummaries { team total counts { status count } } }",
);
