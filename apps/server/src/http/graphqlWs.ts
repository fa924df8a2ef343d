import type { IncomingMessage, Server } from "node:http";
import type { Socket as NetSocket } from "node:net";
import { useServer } from "graphql-ws/use/ws";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { type WebSocket, WebSocketServer } from "ws";
import { authenticate, type Viewer } from "../auth/ApiTokens.ts";
import type { LiveTarget } from "../graphql/context.ts";
import type { GroupableArgs, StatusEventGroups } from "../live/StatusEventGroups.ts";
import type { Logger } from "../logger.ts";
import { type EnrollwatchYoga, MAX_REQUEST_BYTES } from "./createYogaServer.ts";

export interface GraphqlWsOptions {
  server: Server;
  yoga: EnrollwatchYoga;
  logger: Logger;
  /** Browser origins allowed to open a socket; requests without Origin (non-browsers) are let in. */
  allowedOrigins: string[];
  rateLimiter: RateLimiterAbstract;
  /** Identical statusEvents subscriptions share one execution per event. */
  groups: StatusEventGroups;
  /** Bytes queued for one socket beyond which it is dropped rather than buffered without bound. */
  maxBufferedBytes?: number;
  connectionInitTimeoutMs?: number;
}

/** Close codes clients can act on. */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_TOO_SLOW = 4408;

type SocketExtra = {
  socket: WebSocket;
  request: IncomingMessage;
  viewer?: Viewer;
};

/**
 * graphql-ws on the HTTP server's port and path, executing through the same yoga/envelop pipeline
 * (armor limits, masked errors) as HTTP. Tokens come in `connection_init`'s payload.
 */
export function attachGraphqlWs(options: GraphqlWsOptions): { close(): Promise<void> } {
  const { yoga, logger } = options;
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const wss = new WebSocketServer({
    server: options.server,
    path: yoga.graphqlEndpoint,
    maxPayload: MAX_REQUEST_BYTES,
    verifyClient: ({ origin, req }, done) => {
      if (!origin || originAllowed(origin, req, options.allowedOrigins)) return done(true);
      logger.warn({ origin }, "websocket refused: origin not allowed");
      done(false, 403, "Origin not allowed");
    },
  });

  const cleanup = useServer<Record<string, unknown> | undefined, SocketExtra>(
    {
      connectionInitWaitTimeout: options.connectionInitTimeoutMs ?? 5_000,
      onConnect: async (ctx) => {
        const raw = ctx.connectionParams?.authorization;
        let viewer: Viewer | null;
        try {
          viewer = await authenticate(typeof raw === "string" ? raw : null);
        } catch {
          ctx.extra.socket.close(1013, "Temporarily unavailable; reconnect shortly");
          return false;
        }
        if (!viewer) {
          ctx.extra.socket.close(CLOSE_UNAUTHORIZED, "Unauthorized: send { authorization: 'Bearer <token>' }");
          return false;
        }
        ctx.extra.viewer = viewer;
        return true;
      },
      onSubscribe: async (ctx, id, params) => {
        const viewer = ctx.extra.viewer;
        if (viewer) {
          try {
            await options.rateLimiter.consume(viewer.tokenId);
          } catch {
            ctx.extra.socket.close(4429, "Too many operations for this token");
            return [];
          }
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          request: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          viewer: viewer ?? null,
        });
        const args = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: { ...(await contextFactory()), liveTarget: liveTarget(ctx.extra.socket, id) },
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
      execute: (args) => (args.rootValue as { execute: typeof import("graphql").execute }).execute(args),
      subscribe: async (args) =>
        (await options.groups.subscribe(args as GroupableArgs)) ??
        (args.rootValue as { subscribe: typeof import("graphql").subscribe }).subscribe(args),
    },
    wss,
  );

  // A consumer that cannot keep up is cut off; its client resumes from its last seq on reconnect.
  const watchdog = setInterval(() => {
    for (const socket of wss.clients) {
      if (socket.bufferedAmount > maxBuffered) {
        logger.warn({ buffered: socket.bufferedAmount }, "websocket dropped: consumer too slow");
        socket.close(CLOSE_TOO_SLOW, "Consumer too slow; reconnect and resume from your last seq");
        setTimeout(() => socket.terminate(), 1_000).unref();
      }
    }
  }, 500);
  watchdog.unref();

  return {
    async close() {
      clearInterval(watchdog);
      for (const socket of wss.clients) socket.terminate();
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/**
 * Live frames for one socket are corked until the end of the event-loop turn: a commit's batch of
 * events then leaves in one write per socket instead of one system call per event and socket,
 * which is what a 1,000-socket fan-out spends its time on.
 */
function liveTarget(socket: WebSocket, id: string): LiveTarget {
  // ws keeps the TCP socket private; cork()/uncork() nest with its own per-frame corking.
  const tcp = (socket as unknown as { _socket?: NetSocket })._socket;
  let corked = false;
  const uncork = () => {
    corked = false;
    tcp?.uncork();
  };
  return {
    id,
    send: (frame) => {
      if (tcp && !corked && !tcp.destroyed) {
        corked = true;
        tcp.cork();
        setImmediate(uncork);
      }
      socket.send(frame, { binary: false });
    },
    isOpen: () => socket.readyState === socket.OPEN,
  };
}

function originAllowed(origin: string, req: IncomingMessage, allowed: string[]): boolean {
  if (allowed.includes(origin)) return true;
  try {
    // Same origin as the page that served the dashboard.
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
