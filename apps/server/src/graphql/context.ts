import type {
  AlertEvaluator,
  AlertTriage,
  FleetClient,
  MessageLinks,
  OutboxWorker,
  SyncScheduler,
  UnenrollmentService,
  WebhookSecretBox,
  WebhookWorker,
} from "@enrollwatch/sync";
import type { Viewer } from "../auth/ApiTokens.ts";
import type { FeedEvent, StatusEventFeed } from "../live/StatusEventFeed.ts";
import type { EnrollwatchPubSub } from "../pubsub.ts";
import type { StatusSummaryCache } from "./StatusSummaryCache.ts";

/** The long-lived parts resolvers act through; one set per app. */
export interface Services {
  pubsub: EnrollwatchPubSub;
  scheduler: SyncScheduler;
  unenrollment: UnenrollmentService;
  outbox: OutboxWorker;
  fleet: FleetClient;
  links: MessageLinks;
  alerts: AlertEvaluator;
  triage: AlertTriage;
  webhooks: WebhookWorker;
  /** Seals webhook secrets before they are stored (SECRETS_KEY). */
  webhookSecrets: WebhookSecretBox;
  /** WEBHOOK_ALLOW_PRIVATE: webhook URLs may point at loopback and private addresses. */
  allowPrivateWebhooks: boolean;
  summary: StatusSummaryCache;
  feed: StatusEventFeed;
}

/** Where a graphql-ws operation's `next` messages go. */
export interface LiveTarget {
  id: string;
  /** Sends one text frame (a Buffer is sent as text, already UTF-8); `isOpen` says whether sending still makes sense. */
  send(frame: string | Buffer): void;
  isOpen(): boolean;
}

export interface GraphQLContext {
  /** Null only for requests the transport let through unauthenticated (none today). */
  viewer: Viewer | null;
  services: Services;
  /**
   * Set by StatusEventGroups: the events a grouped statusEvents subscription runs over, instead of
   * its own stream, so one execution serves every member of the group.
   */
  eventSource?: AsyncIterable<FeedEvent>;
  /**
   * Set for graphql-ws operations: the socket and the operation's id, so a grouped live
   * subscription can send its shared, once-serialised results straight to the socket.
   */
  liveTarget?: LiveTarget;
}
