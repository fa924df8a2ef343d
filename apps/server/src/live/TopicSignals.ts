import type { EnrollwatchTopics } from "@enrollwatch/sync";
import type { EnrollwatchPubSub } from "../pubsub.ts";

/**
 * One topic's signals, heard from the moment this is made. graphql-yoga's pubsub adds its listener
 * only at the first next() of what subscribe() returns, so a stream that reads the database and then
 * starts a `for await` misses a signal sent during that read; and an async generator waiting in such
 * a loop cannot be returned until the next signal, so a client that left stayed subscribed (one
 * listener per closed dashboard) until then. Here the listener is added at once and close() ends a
 * pending next() at once.
 */
export class TopicSignals {
  // Only that a signal came matters here, not what it says.
  private readonly iterator: AsyncIterator<unknown>;
  private pending: Promise<IteratorResult<unknown>>;

  constructor(pubsub: EnrollwatchPubSub, topic: keyof EnrollwatchTopics) {
    this.iterator = pubsub.subscribe(topic)[Symbol.asyncIterator]();
    this.pending = this.iterator.next();
  }

  /** Resolves true at the next signal (or one already heard since the last call), false once closed. */
  async next(): Promise<boolean> {
    const result = await this.pending;
    if (result.done) return false;
    this.pending = this.iterator.next();
    return true;
  }

  close(): void {
    void this.iterator.return?.();
  }
}
