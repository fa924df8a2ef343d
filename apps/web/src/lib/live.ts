import { Client, fetchExchange, mapExchange, subscriptionExchange } from "@urql/core";
import { createClient, type Client as WsClient } from "graphql-ws";
import { type Accessor, createSignal } from "solid-js";
import { interruptibleWait, retryDelay } from "./backoff.ts";
import { type EventTransport, LiveEventStore, startEventFeed } from "./eventFeed.ts";
import { LIVE_STATUS_EVENTS, type LiveStatusEvent } from "./liveDocuments.ts";
import { GRAPHQL_PATH, graphqlHeaders } from "./session.ts";

export type ConnectionState = "connecting" | "live" | "reconnecting" | "offline";

/** Close codes the server sends (apps/server/src/http/graphqlWs.ts). */
const CLOSE_UNAUTHORIZED = 4401;
/** graphql-ws' own "terminated" code: retried, used when a pong does not come back. */
const CLOSE_TERMINATED = 4499;
/** Past this long without the server (or with the browser offline), "reconnecting" becomes "offline". */
const OFFLINE_AFTER_MS = 30_000;
const KEEP_ALIVE_MS = 10_000;
const PONG_TIMEOUT_MS = 5_000;

export interface LiveConnection {
  ws: WsClient;
  urql: Client;
  state: Accessor<ConnectionState>;
  events: LiveEventStore<LiveStatusEvent>;
  /** Skips the current backoff wait and reconnects at once. */
  retryNow(): void;
  dispose(): void;
}

function closeCode(event: unknown): number | undefined {
  return typeof event === "object" && event !== null && "code" in event && typeof event.code === "number"
    ? event.code
    : undefined;
}

function websocketUrl(): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${GRAPHQL_PATH}`;
}

/**
 * One graphql-ws client for the whole dashboard, connected eagerly and for good (lazy: false,
 * retried forever with capped exponential backoff), carrying every subscription; an urql client for
 * queries and mutations over HTTP that sends subscriptions through the same socket; and the live
 * status event feed, which resumes after the last seq it saw whenever the socket comes back.
 */
export function createLiveConnection(options: { token: string; onUnauthorized(): void }): LiveConnection {
  const { token, onUnauthorized } = options;
  const [state, setState] = createSignal<ConnectionState>("connecting");
  const wake = new EventTarget();
  const connectedListeners = new Set<() => void>();
  const closedListeners = new Set<() => void>();
  let everConnected = false;
  let downSince: number | null = null;
  let socket: WebSocket | null = null;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  const evaluateDown = () => {
    if (disposed || state() === "live") return;
    const longDown = downSince !== null && Date.now() - downSince >= OFFLINE_AFTER_MS;
    if (!navigator.onLine || longDown) setState("offline");
    else setState(everConnected ? "reconnecting" : "connecting");
  };
  // While down, re-evaluate now and then so "reconnecting" turns into "offline" after a while.
  const ticker = setInterval(evaluateDown, 1_000);

  const ws = createClient({
    url: websocketUrl,
    lazy: false,
    retryAttempts: Number.POSITIVE_INFINITY,
    // Every close is worth another try (a server restart, a proxy timeout, 4408 "too slow"); a bad
    // token (4401) is fatal in graphql-ws itself and is handled in `closed` below.
    shouldRetry: () => true,
    retryWait: (retries) => interruptibleWait(retryDelay(retries), wake),
    keepAlive: KEEP_ALIVE_MS,
    connectionParams: () => ({ authorization: `Bearer ${token}` }),
    onNonLazyError: () => {},
    on: {
      opened: (opened) => {
        socket = opened as WebSocket;
      },
      ping: (received) => {
        // A ping we sent must be answered; a socket that silently died would otherwise look live.
        if (received) return;
        clearTimeout(pongTimer);
        pongTimer = setTimeout(() => {
          if (socket?.readyState === WebSocket.OPEN) socket.close(CLOSE_TERMINATED, "No pong");
        }, PONG_TIMEOUT_MS);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
      connected: () => {
        everConnected = true;
        downSince = null;
        setState("live");
        for (const listener of connectedListeners) listener();
      },
      closed: (event) => {
        clearTimeout(pongTimer);
        socket = null;
        for (const listener of closedListeners) listener();
        if (disposed) return;
        if (closeCode(event) === CLOSE_UNAUTHORIZED) {
          onUnauthorized();
          return;
        }
        downSince ??= Date.now();
        setState("reconnecting");
        evaluateDown();
      },
    },
  });

  const urql = new Client({
    url: GRAPHQL_PATH,
    preferGetMethod: false,
    // No document cache: every view shows fresh data (the live feed updates it), and paging through
    // 100,000 devices must not keep a second copy of every page in memory.
    requestPolicy: "network-only",
    fetchOptions: () => ({ headers: graphqlHeaders(token) }),
    exchanges: [
      mapExchange({
        onError(error) {
          const status = (error.response as Response | undefined)?.status;
          if (status === 401) onUnauthorized();
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? "" }, sink) }),
        }),
      }),
    ],
  });

  const events = new LiveEventStore<LiveStatusEvent>();
  const transport: EventTransport<LiveStatusEvent> = {
    onConnected(listener) {
      connectedListeners.add(listener);
      return () => connectedListeners.delete(listener);
    },
    onClosed(listener) {
      closedListeners.add(listener);
      return () => closedListeners.delete(listener);
    },
    subscribe(afterSeq, sink) {
      return ws.subscribe<{ statusEvents: LiveStatusEvent }>(
        { query: LIVE_STATUS_EVENTS, variables: afterSeq === undefined ? {} : { afterSeq } },
        {
          next: (result) => {
            if (result.data) sink.next(result.data.statusEvents);
            else if (result.errors) sink.error(result.errors);
          },
          error: (error) => sink.error(error),
          complete: () => sink.complete(),
        },
      );
    },
  };
  const stopFeed = startEventFeed(events, transport, {
    onError: (error) => console.warn("statusEvents subscription failed; retrying", error),
  });

  const retryNow = () => wake.dispatchEvent(new Event("wake"));
  const onOnline = () => retryNow();
  const onOffline = () => evaluateDown();
  window.addEventListener("online", onOnline);
  window.addEventListener("offline", onOffline);

  return {
    ws,
    urql,
    state,
    events,
    retryNow,
    dispose() {
      disposed = true;
      clearInterval(ticker);
      clearTimeout(pongTimer);
      window.removeEventListener("online", onOnline);
      window.removeEventListener("offline", onOffline);
      stopFeed();
      events.dispose();
      void ws.dispose();
    },
  };
}
