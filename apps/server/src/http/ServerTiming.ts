import type { Plugin } from "graphql-yoga";

/**
 * Every GraphQL response says how long the server took to produce it, in the standard
 * `Server-Timing` header (`total;dur=<ms>`): from the request reaching this plugin, before
 * authentication, to the response being ready to send. Browsers' developer tools show it, and an
 * integrator (or the benchmark) can tell the server's time from the network's and their own.
 * Not in it: the wait for the event loop before and the write after; and the responses yoga's own
 * plugins give before any of ours run (CORS preflight, the GraphiQL page) carry none.
 * It is a duration only: nothing about the data or the token.
 */
export function useServerTiming(): Plugin {
  const started = new WeakMap<Request, number>();
  return {
    onRequest({ request }) {
      started.set(request, performance.now());
    },
    onResponse({ request, response }) {
      const start = started.get(request);
      if (start === undefined) return;
      response.headers.set("server-timing", `total;dur=${(performance.now() - start).toFixed(3)}`);
    },
  };
}

/** The `total` duration (ms) of a Server-Timing header, or null when it has none. */
export function serverTimingTotal(header: string | null): number | null {
  const match = header ? /(?:^|,)\s*total;(?:[^,]*;)?\s*dur=([0-9.]+)/.exec(header) : null;
  return match ? Number(match[1]) : null;
}
