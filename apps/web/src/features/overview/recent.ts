import { type Accessor, createSignal } from "solid-js";
import type { LiveEventStore } from "../../lib/eventFeed.ts";
import type { LiveStatusEvent } from "../../lib/liveDocuments.ts";

/** The newest live transitions (newest first), bounded, for the overview's activity list. */
export function createRecentEvents(
  store: LiveEventStore<LiveStatusEvent>,
  max = 50,
): { events: Accessor<LiveStatusEvent[]>; dispose(): void } {
  const [events, setEvents] = createSignal<LiveStatusEvent[]>([]);
  const dispose = store.listen((batch) => {
    setEvents((current) => {
      const newest = batch.length > max ? batch.slice(-max) : batch;
      return [...newest].reverse().concat(current).slice(0, max);
    });
  });
  return { events, dispose };
}
