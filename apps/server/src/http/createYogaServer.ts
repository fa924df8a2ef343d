import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import { useDisableIntrospection } from "@graphql-yoga/plugin-disable-introspection";
import { createGraphQLError, createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { authenticate, type Viewer } from "../auth/ApiTokens.ts";
import type { GraphQLContext, Services } from "../graphql/context.ts";
import { schema } from "../graphql/schema/index.ts";
import { useListSizeLimit } from "./ListSizeLimit.ts";
import { useServerTiming } from "./ServerTiming.ts";

export const MAX_REQUEST_BYTES = 64 * 1024;
/** The header browsers must send with every GraphQL request (forces a CORS preflight). */
export const CSRF_HEADER = "x-enrollwatch-csrf";

export interface YogaOptions {
  services: Services;
  graphiql: boolean;
  introspection: boolean;
  rateLimiter: RateLimiterAbstract;
}

export type ServerContext = { viewer?: Viewer | null };
export type EnrollwatchYoga = YogaServerInstance<ServerContext, GraphQLContext>;

// Its types package is not a dependency of ours; the callback's type, as the plugin takes it.
type ArmorConfig = NonNullable<Parameters<typeof EnvelopArmorPlugin>[0]>;
type GraphQLArmorRejectCallback = NonNullable<NonNullable<ArmorConfig["costLimit"]>["onReject"]>[number];

/**
 * graphql-armor words every refusal as "Syntax Error: …" and gives it no code of its own: a client
 * whose query is only too expensive would look for a typo. This reports it with the plain message
 * and a code instead (armor's default reporter adds BAD_USER_INPUT, which says nothing either).
 */
function rejectAs(code: string): { propagateOnRejection: false; onReject: GraphQLArmorRejectCallback[] } {
  return {
    propagateOnRejection: false,
    onReject: [
      (ctx, error) => {
        const plain = createGraphQLError(error.message.replace(/^Syntax Error: /, ""), { extensions: { code } });
        // Validation rules always have a context; without one, refusing by throwing still refuses.
        if (!ctx) throw plain;
        ctx.reportError(plain);
      },
    ],
  };
}

/** The limits every operation passes, over HTTP and WebSocket alike (graphql-armor). */
export const armor = () =>
  EnvelopArmorPlugin({
    maxDepth: { n: 12, ...rejectAs("QUERY_TOO_DEEP") },
    maxAliases: { n: 20, ...rejectAs("TOO_MANY_ALIASES") },
    maxTokens: { n: 2000 },
    maxDirectives: { n: 20, ...rejectAs("TOO_MANY_DIRECTIVES") },
    costLimit: { maxCost: 20000, ...rejectAs("QUERY_TOO_COSTLY") },
    blockFieldSuggestion: { enabled: true },
  });

function jsonError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/**
 * Bearer-token authentication, request size and per-token rate limits, before any parsing. The
 * GraphiQL page itself may load without a token; every GraphQL request needs one.
 */
function useTransportGuards(
  rateLimiter: RateLimiterAbstract,
  viewers: WeakMap<Request, Viewer>,
): Plugin<ServerContext> {
  return {
    async onRequest({ request, endResponse }) {
      const length = Number(request.headers.get("content-length") ?? "0");
      if (length > MAX_REQUEST_BYTES) {
        return endResponse(jsonError(413, "REQUEST_TOO_LARGE", `Requests are limited to ${MAX_REQUEST_BYTES} bytes.`));
      }
      const wantsPage = request.method === "GET" && (request.headers.get("accept") ?? "").includes("text/html");
      if (wantsPage) return;
      let viewer: Viewer | null;
      try {
        viewer = await authenticate(request.headers.get("authorization"));
      } catch {
        // The database is unreachable: say so plainly (details stay in the server's logs).
        return endResponse(
          jsonError(503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable; try again shortly.", {
            "retry-after": "5",
          }),
        );
      }
      if (!viewer) {
        return endResponse(
          jsonError(401, "UNAUTHENTICATED", "Missing or invalid API token: send Authorization: Bearer <token>.", {
            "www-authenticate": 'Bearer realm="enrollwatch"',
          }),
        );
      }
      try {
        await rateLimiter.consume(viewer.tokenId);
      } catch (rejection) {
        const ms = (rejection as { msBeforeNext?: number }).msBeforeNext ?? 1000;
        return endResponse(
          jsonError(429, "RATE_LIMITED", "Too many requests for this token; slow down.", {
            "retry-after": String(Math.ceil(ms / 1000)),
          }),
        );
      }
      viewers.set(request, viewer);
    },
  };
}

export function createYogaServer(options: YogaOptions): EnrollwatchYoga {
  // HTTP requests are authenticated in onRequest; WebSocket operations bring their viewer along.
  const viewers = new WeakMap<Request, Viewer>();
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    graphiql: options.graphiql
      ? { title: "Enrollwatch GraphQL", headers: JSON.stringify({ [CSRF_HEADER]: "1" }) }
      : false,
    maskedErrors: true,
    context: ({ viewer, request }) => ({
      viewer: viewer ?? viewers.get(request) ?? null,
      services: options.services,
    }),
    plugins: [
      // First of ours, so that its time covers authentication, the rate limit and every later plugin.
      useServerTiming(),
      useTransportGuards(options.rateLimiter, viewers),
      useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }),
      armor(),
      useListSizeLimit(),
      ...(options.introspection ? [] : [useDisableIntrospection()]),
    ],
  });
}
