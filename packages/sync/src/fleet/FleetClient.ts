import http from "node:http";
import https from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { gunzip } from "node:zlib";
import type { z } from "zod";
import { type FleetHostRecord, toHostRecord } from "./FleetHostRecord.ts";
import {
  FleetCountResponseSchema,
  type FleetHostDetail,
  FleetHostDetailResponseSchema,
  FleetHostListResponseSchema,
  type FleetListHost,
  FleetTimeFieldError,
  parseHostDetailTimes,
  parseListHostTimes,
} from "./FleetSchemas.ts";
import { parseHostListJson } from "./HostListJson.ts";
import { jsonTextFromUtf8 } from "./JsonText.ts";

export type FleetFetchErrorKind = "auth" | "http" | "timeout" | "network" | "malformed" | "not_found";

/** Why talking to Fleet failed, in one line an admin can act on. */
export class FleetFetchError extends Error {
  override readonly name = "FleetFetchError";
  constructor(
    readonly kind: FleetFetchErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface FleetClientOptions {
  baseUrl: string;
  token: string;
  /** Hosts per list page. Fleet allows large pages; fewer round trips is faster. */
  perPage?: number;
  requestTimeoutMs?: number;
  /** Retries after the first attempt, for 5xx, 429, timeouts and network errors. */
  maxRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Longest Retry-After honoured; a longer one fails the request instead of stalling the sync. */
  maxRetryAfterMs?: number;
  /** Host-detail requests in flight at once. */
  detailConcurrency?: number;
  /**
   * PEM certificate(s) to trust for an https Fleet signed by a private CA, instead of Node's
   * bundled ones (NODE_EXTRA_CA_CERTS adds to those for the whole process instead).
   */
  ca?: string;
}

/**
 * Fleet's REST API, read the way Enrollwatch needs it: every host, paged by id cursor (so hosts added
 * or removed while paging are neither skipped nor seen twice), details only where the list cannot
 * decide a status (HostDetailQueue fetches them beside the paging), every response validated.
 */
export class FleetClient {
  private readonly base: string;
  private readonly perPage: number;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly detailConcurrency: number;
  private readonly agent: http.Agent;
  private readonly send: typeof http.request;

  constructor(private readonly options: FleetClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, "");
    this.perPage = options.perPage ?? 1000;
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 5;
    this.retryBaseMs = options.retryBaseMs ?? 250;
    this.retryMaxMs = options.retryMaxMs ?? 15_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000;
    this.detailConcurrency = options.detailConcurrency ?? 8;
    // node:http(s), not fetch(): a 1 MB list page costs fetch's WHATWG streams ~2.5× the CPU
    // (101 pages: 450–580 against 190–230 ms of the process's CPU, same simulator), and a re-sync's
    // critical path is this process's CPU. Kept-alive sockets, as many as requests in flight (a
    // per-origin cap would queue requests where their AbortSignal cannot reach them).
    const secure = new URL(this.base).protocol === "https:";
    this.agent = secure
      ? new https.Agent({ keepAlive: true, ...(options.ca ? { ca: options.ca } : {}) })
      : new http.Agent({ keepAlive: true });
    this.send = secure ? https.request : http.request;
  }

  /** Closes the kept-alive connections (idle ones never hold the process open). */
  close(): void {
    this.agent.destroy();
  }

  /**
   * Yields every host, page by page, as Fleet lists them (validated, not yet detailed). Pages are
   * read by id cursor; the next page is requested as soon as this one is parsed, so Fleet builds it
   * while the caller works on this one. Leaving early (error, consumer stops) aborts it. Throws
   * FleetFetchError on anything unexpected: the caller must then discard what it got.
   */
  async *listHostPages(signal?: AbortSignal): AsyncGenerator<FleetListHost[]> {
    const prefetch = new AbortController();
    const pageSignal = signal ? AbortSignal.any([signal, prefetch.signal]) : prefetch.signal;
    // The next page is kept as the bytes that arrived and parsed only when its turn comes: parsed
    // on arrival, its thousand host objects would wait out the caller's work on this page (and in
    // a first sync the database's pace), outliving the young generation into the old one.
    const fetchPage = (after: number): Promise<{ path: string; bytes: Uint8Array }> => {
      const query = new URLSearchParams({
        page: "0",
        per_page: String(this.perPage),
        order_key: "id",
        order_direction: "asc",
        after: String(after),
        device_mapping: "true",
      });
      const path = `/api/v1/fleet/hosts?${query}`;
      const pending = this.request("GET", path, pageSignal).then((bytes) => ({ path, bytes }));
      pending.catch(() => {}); // handled when awaited; never an unhandled rejection if abandoned
      return pending;
    };
    try {
      let after = 0;
      let next: Promise<{ path: string; bytes: Uint8Array }> | null = fetchPage(after);
      while (next) {
        const { path, bytes }: { path: string; bytes: Uint8Array } = await next;
        const body = parseJsonBody(path, bytes, parseHostListJson);
        const rawHosts: unknown = (body as { hosts?: unknown }).hosts;
        const lastRaw = Array.isArray(rawHosts) ? (rawHosts.at(-1) as { id?: unknown } | undefined)?.id : undefined;
        next =
          Array.isArray(rawHosts) && rawHosts.length === this.perPage && typeof lastRaw === "number" && lastRaw > after
            ? fetchPage(lastRaw)
            : null;
        const hosts = this.withTimes(path, () =>
          parseListHostTimes(this.validate(path, body, FleetHostListResponseSchema).hosts),
        );
        if (hosts.length === 0) return;
        for (const host of hosts) {
          // A server that ignores the cursor would loop or reorder; refuse rather than guess.
          if (host.id <= after) {
            throw new FleetFetchError(
              "malformed",
              `Fleet returned host ${host.id} after host ${after} while paging by id: paging is not stable.`,
            );
          }
          after = host.id;
        }
        yield hosts;
      }
    } finally {
      prefetch.abort();
    }
  }

  /** Host-detail requests the client allows in flight at once. */
  get detailRequestsInFlight(): number {
    return this.detailConcurrency;
  }

  async countHosts(signal?: AbortSignal): Promise<number> {
    return (await this.getJson("/api/v1/fleet/hosts/count", FleetCountResponseSchema, signal)).count;
  }

  async getHost(id: number, signal?: AbortSignal): Promise<FleetHostDetail> {
    const path = `/api/v1/fleet/hosts/${id}`;
    const { host } = await this.getJson(path, FleetHostDetailResponseSchema, signal);
    return this.withTimes(path, () => parseHostDetailTimes(host));
  }

  async getHostRecord(id: number, signal?: AbortSignal): Promise<FleetHostRecord> {
    const detail = await this.getHost(id, signal);
    return toHostRecord(detail, detail);
  }

  /** Purges the host from Fleet (auto-unenrolment, admin unenrolment). */
  async deleteHost(id: number): Promise<void> {
    await this.request("DELETE", `/api/v1/fleet/hosts/${id}`);
  }

  /** Asks Fleet to have the host's agent report fresh data at its next check-in. */
  async refetchHost(id: number): Promise<void> {
    await this.request("POST", `/api/v1/fleet/hosts/${id}/refetch`);
  }

  private async getJson<S extends z.ZodType>(path: string, schema: S, signal?: AbortSignal): Promise<z.output<S>> {
    return this.validate(path, await this.getParsed(path, signal), schema);
  }

  private async getParsed(path: string, signal?: AbortSignal): Promise<unknown> {
    return parseJsonBody(path, await this.request("GET", path, signal));
  }

  private validate<S extends z.ZodType>(path: string, body: unknown, schema: S): z.output<S> {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "unexpected shape";
      throw new FleetFetchError(
        "malformed",
        `Fleet sent an unexpected response for GET ${stripQuery(path)} (${where}).`,
      );
    }
    return parsed.data;
  }

  /** Runs a timestamp parse, reporting an unreadable timestamp like any other malformed field. */
  private withTimes<T>(path: string, parse: () => T): T {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof FleetTimeFieldError)) throw error;
      throw new FleetFetchError(
        "malformed",
        `Fleet sent an unexpected response for GET ${stripQuery(path)} (${error.message}).`,
      );
    }
  }

  /** One call with retries: 429 waits Retry-After, 5xx/timeouts/network back off exponentially with jitter. */
  private async request(method: string, path: string, signal?: AbortSignal): Promise<Uint8Array> {
    const label = `${method} ${stripQuery(path)}`;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(method, path, label, signal);
      if (outcome.ok) return outcome.body;
      const { error, retryAfterMs } = outcome;
      if (!outcome.retryable || attempt >= this.maxRetries) {
        throw attempt > 0 && error.kind !== "auth"
          ? new FleetFetchError(error.kind, `${error.message} (gave up after ${attempt + 1} attempts)`, error.status)
          : error;
      }
      if (signal?.aborted) throw error;
      const backoff = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** attempt);
      // Full jitter: concurrent clients retrying a struggling server should not do so in step.
      await sleep(retryAfterMs ?? Math.random() * backoff, undefined, { signal });
    }
  }

  private async attempt(
    method: string,
    path: string,
    label: string,
    signal?: AbortSignal,
  ): Promise<
    { ok: true; body: Uint8Array } | { ok: false; error: FleetFetchError; retryable: boolean; retryAfterMs?: number }
  > {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Exchanged;
    try {
      response = await this.exchange(method, path, signal ? AbortSignal.any([signal, timeout]) : timeout);
    } catch (error) {
      if (error instanceof UndecodableBody) {
        const message = `Fleet sent a response that cannot be read for ${label}: ${error.message}.`;
        return { ok: false, retryable: false, error: new FleetFetchError("malformed", message) };
      }
      const code = (error as { code?: unknown }).code;
      if (typeof code === "string" && UNTRUSTED_CERTIFICATE.has(code)) {
        // Asking again gets the same certificate.
        const message = `Fleet's TLS certificate was refused for ${label}: ${firstLine((error as Error).message)} (a private CA: NODE_EXTRA_CA_CERTS).`;
        return { ok: false, retryable: false, error: new FleetFetchError("network", message) };
      }
      return { ok: false, retryable: true, error: this.transportError(error, label, timeout) };
    }
    const { status, bytes } = response;
    if (status >= 200 && status < 300) return { ok: true, body: bytes };
    const body = new TextDecoder().decode(bytes);
    if (status >= 300 && status < 400) {
      // Not followed: a Fleet API that redirects is behind a proxy or a wrong URL, and a token
      // should not be sent on to wherever it points.
      const where = response.location ? ` to ${response.location}` : "";
      return {
        ok: false,
        retryable: false,
        error: new FleetFetchError(
          "malformed",
          `Fleet redirected ${label} (HTTP ${status})${where}: set FLEET_URL to the address Fleet answers on.`,
          status,
        ),
      };
    }
    if (status === 401 || status === 403) {
      return {
        ok: false,
        retryable: false,
        error: new FleetFetchError(
          "auth",
          `Fleet refused the API token (${status}) for ${label}: check FLEET_API_TOKEN.`,
          status,
        ),
      };
    }
    if (status === 404) {
      return {
        ok: false,
        retryable: false,
        error: new FleetFetchError("not_found", `Fleet has no such resource: ${label} (404).`, status),
      };
    }
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(response.retryAfter) ?? this.retryBaseMs;
      if (retryAfterMs > this.maxRetryAfterMs) {
        return {
          ok: false,
          retryable: false,
          error: new FleetFetchError(
            "http",
            `Fleet rate-limited ${label} for ${Math.round(retryAfterMs / 1000)} s, longer than we wait.`,
            429,
          ),
        };
      }
      return {
        ok: false,
        retryable: true,
        error: new FleetFetchError("http", `Fleet rate-limited ${label} (429).`, 429),
        retryAfterMs,
      };
    }
    if (status >= 500) {
      return {
        ok: false,
        retryable: true,
        error: new FleetFetchError("http", `Fleet failed ${label} with HTTP ${status}.`, status),
      };
    }
    // Other 4xx: our request is wrong; retrying cannot help.
    return {
      ok: false,
      retryable: false,
      error: new FleetFetchError(
        "malformed",
        `Fleet rejected ${label} with HTTP ${status}: ${firstLine(body)}`,
        status,
      ),
    };
  }

  /**
   * One request and its whole body. Rejects on a connection error, on `signal`, and on a body cut
   * short (the connection closed before the response was complete). Asks for gzip, as fetch() did:
   * a Fleet with `server.gzip_responses` on then sends a list page in about a tenth of the bytes
   * (its egress, and a remote sync's transfer time); the body is inflated off this thread.
   */
  private exchange(method: string, path: string, signal: AbortSignal): Promise<Exchanged> {
    return new Promise((resolve, reject) => {
      const request = this.send(
        new URL(`${this.base}${path}`),
        {
          method,
          agent: this.agent,
          signal,
          headers: {
            authorization: `Bearer ${this.options.token}`,
            accept: "application/json",
            "accept-encoding": "gzip",
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let length = 0;
          response.on("data", (chunk: Buffer) => {
            chunks.push(chunk);
            length += chunk.length;
          });
          response.on("error", reject);
          response.on("close", () => {
            if (!response.complete) reject(new Error("the connection closed before the response was complete"));
          });
          response.on("end", () => {
            const { "retry-after": retryAfter, location } = response.headers;
            const reply = (bytes: Uint8Array) =>
              resolve({
                status: response.statusCode ?? 0,
                retryAfter: typeof retryAfter === "string" ? retryAfter : null,
                location: typeof location === "string" ? location : null,
                bytes,
              });
            const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length);
            const encoding = (response.headers["content-encoding"] ?? "identity").trim().toLowerCase();
            if (encoding === "identity" || encoding === "") reply(body);
            else if (encoding === "gzip" || encoding === "x-gzip") {
              gunzip(body, { maxOutputLength: MAX_BODY_BYTES }, (error, inflated) => {
                if (error) reject(new UndecodableBody(`its gzip body does not inflate (${error.message})`));
                else reply(inflated);
              });
            } else reject(new UndecodableBody(`its body came in an encoding that was not asked for (${encoding})`));
          });
        },
      );
      request.on("error", reject);
      request.end();
    });
  }

  private transportError(error: unknown, label: string, timeout: AbortSignal): FleetFetchError {
    if (timeout.aborted) {
      return new FleetFetchError("timeout", `Fleet did not answer ${label} within ${this.timeoutMs} ms.`);
    }
    const cause =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    return new FleetFetchError("network", `Cannot reach Fleet for ${label}: ${firstLine(cause)}.`);
  }
}

interface Exchanged {
  status: number;
  retryAfter: string | null;
  location: string | null;
  bytes: Uint8Array;
}

/** A complete body that cannot be decoded: a broken response, not a broken connection. */
class UndecodableBody extends Error {}

/** Node's codes for a certificate chain it does not trust or a name it does not match. */
const UNTRUSTED_CERTIFICATE = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** Largest body inflated from gzip: a list page is ~1 MB; anything near this is not Fleet's. */
const MAX_BODY_BYTES = 256 * 1024 * 1024;

function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** A response body as JSON; a body that is not JSON is a malformed response. */
function parseJsonBody(
  path: string,
  bytes: Uint8Array,
  parse: (body: Uint8Array) => unknown = (body) => JSON.parse(jsonTextFromUtf8(body)),
): unknown {
  try {
    return parse(bytes);
  } catch {
    throw new FleetFetchError("malformed", `Fleet sent a response that is not JSON for GET ${stripQuery(path)}.`);
  }
}

function stripQuery(path: string): string {
  return path.split("?")[0] ?? path;
}

function firstLine(text: string): string {
  return (text.split("\n")[0] ?? "").slice(0, 200);
}
