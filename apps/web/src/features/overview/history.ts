import { type Accessor, createSignal } from "solid-js";
import type { LiveEventStore } from "../../lib/eventFeed.ts";
import type { LiveStatusEvent } from "../../lib/liveDocuments.ts";
import { CountSeries, type TransitionLike } from "./countSeries.ts";

/** The catch-up query's largest page (statusEvents(first:) allows 1..1000). */
export const HISTORY_PAGE = 1000;

export type FetchTransitions = (afterSeq: string, first: number) => Promise<TransitionLike[]>;

export interface HistoryProgress {
  /** Events replayed so far. */
  loaded: number;
  /** True once the replay reached the newest event (then live events extend the series). */
  caughtUp: boolean;
  error: string | null;
}

export interface History {
  series: CountSeries;
  /** Bumps (at most every `redrawMs`) when the series changed: the chart redraws on it. */
  version: Accessor<number>;
  progress: Accessor<HistoryProgress>;
  /** Starts the replay once; later calls do nothing. */
  start(): void;
  dispose(): void;
}

/**
 * The chart's data: replays every status event from seq 0 through the catch-up query (light fields
 * only, 1000 per request, off the critical path), then follows the live feed. Live events that do
 * not follow on (during the replay, or after a gap) make it fetch from where it stands, so the series
 * stays exact without ever holding more than one page of events. Once caught up it also seeds the live
 * store, so even a disconnect before the first live event resumes without a gap.
 */
export function createHistory(
  fetchTransitions: FetchTransitions,
  store: LiveEventStore<LiveStatusEvent>,
  options: { redrawMs?: number; maxBuckets?: number } = {},
): History {
  const series = new CountSeries(options.maxBuckets ?? 240);
  const [version, setVersion] = createSignal(0);
  const [progress, setProgress] = createSignal<HistoryProgress>({ loaded: 0, caughtUp: false, error: null });
  let started = false;
  let running = false;
  let again = false;
  let disposed = false;
  let redrawTimer: ReturnType<typeof setTimeout> | undefined;

  const changed = () => {
    redrawTimer ??= setTimeout(() => {
      redrawTimer = undefined;
      setVersion((v) => v + 1);
    }, options.redrawMs ?? 250);
  };

  const catchUp = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        for (;;) {
          const page = await fetchTransitions(series.lastSeq ?? "0", HISTORY_PAGE);
          if (disposed) return;
          for (const event of page) series.apply(event);
          setProgress((p) => ({ ...p, loaded: p.loaded + page.length, error: null }));
          changed();
          if (page.length < HISTORY_PAGE) break;
        }
      } while (again);
      const last = series.lastSeq;
      if (last !== null) store.seed(last);
      setProgress((p) => ({ ...p, caughtUp: true }));
    } catch (error) {
      setProgress((p) => ({ ...p, error: error instanceof Error ? error.message : String(error) }));
      // Try again later: the chart is not worth hammering a struggling server for.
      setTimeout(() => void catchUp(), 5_000);
    } finally {
      running = false;
    }
  };

  const stopListening = store.listen((batch) => {
    if (!started) return;
    if (running) {
      again = true;
      return;
    }
    for (const event of batch) {
      if (series.apply(event) === "gap") {
        void catchUp();
        return;
      }
    }
    changed();
  });

  return {
    series,
    version,
    progress,
    start() {
      if (started) return;
      started = true;
      void catchUp();
    },
    dispose() {
      disposed = true;
      clearTimeout(redrawTimer);
      stopListening();
    },
  };
}
