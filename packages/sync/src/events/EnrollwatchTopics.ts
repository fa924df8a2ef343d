/**
 * The pub/sub topics shared by the publisher (sync, mutations) and the GraphQL server. Payloads are
 * signals only ("events up to seq N"): subscribers read the events themselves from the database,
 * so a lost signal is repaired by the next one and every transport (in-memory, Redis) carries the
 * same small messages. Shaped like graphql-yoga's `createPubSub` topic map (argument tuples).
 */
export type EnrollwatchTopics = {
  statusEvents: [{ upToSeq: string }];
  syncRuns: [{ id: string }];
  settings: [{ updatedAt: string }];
  /** Alert events up to this seq committed; also sent after rule and webhook changes ({}). */
  alerts: [{ upToSeq?: string }];
  /**
   * Devices were rewritten with no status event and outside a sync run (an employee's check again
   * found the device in another team): what is counted by team is stale.
   */
  devices: [{ fleetHostId: number }];
};

/** The publishing half of a pub/sub over EnrollwatchTopics; graphql-yoga's PubSub satisfies it. */
export interface EventPublisher {
  publish<K extends keyof EnrollwatchTopics>(topic: K, ...payload: EnrollwatchTopics[K]): void;
}

/** For processes that publish to nobody (CLI tools, benchmarks). */
export const silentPublisher: EventPublisher = { publish() {} };
