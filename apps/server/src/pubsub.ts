import type { EnrollwatchTopics } from "@enrollwatch/sync";
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { createPubSub, type PubSub } from "graphql-yoga";
import { Redis } from "ioredis";

export type EnrollwatchPubSub = PubSub<EnrollwatchTopics>;

export type PubSubTransport = { kind: "memory" } | { kind: "redis"; url: string };

/**
 * The typed topic map shared by the publishers (sync, mutations) and the subscriptions, over the
 * transport configuration chose: in-process for one instance, Redis so every instance hears every
 * signal. Payloads are small signals; the data itself is read from the database.
 */
export function createEnrollwatchPubSub(transport: PubSubTransport): {
  pubsub: EnrollwatchPubSub;
  close(): Promise<void>;
} {
  if (transport.kind === "memory") return { pubsub: createPubSub<EnrollwatchTopics>(), close: async () => {} };
  const publishClient = new Redis(transport.url, { lazyConnect: false, maxRetriesPerRequest: null });
  const subscribeClient = new Redis(transport.url, { lazyConnect: false, maxRetriesPerRequest: null });
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  return {
    pubsub: createPubSub<EnrollwatchTopics>({ eventTarget }),
    async close() {
      // quit() lets pending commands (an unsubscribe on the way) finish; disconnect() would fail them.
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  };
}
