import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FaultInjector, type FaultSpec } from "./FaultInjector.ts";
import type { FleetErrorBody, FleetHost } from "./FleetApiTypes.ts";
import { FleetModel, type HostFilter, type HostPageRequest, MAX_PER_PAGE } from "./FleetModel.ts";
import { RequestLog, type RequestRecord, type RouteName } from "./RequestLog.ts";
import { SimClock } from "./SimClock.ts";

export const MAX_HOSTS = 100_000;

export interface FleetSimOptions {
  hosts: number;
  seed?: number;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** API token clients must send as `Authorization: Bearer <token>`; random when omitted. */
  token?: string;
  /** Virtual ms per real ms; default 1. */
  timeScale?: number;
  /** Virtual start time; default now. */
  startTime?: Date;
  /** Freeze the clock: virtual time moves only through clock.advance(). */
  manualClock?: boolean;
}

export interface FleetSim {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly token: string;
  readonly model: FleetModel;
  readonly clock: SimClock;
  readonly faults: FaultInjector;
  readonly requests: RequestLog;
  /** Stops listening and drops every connection, keep-alive ones and held responses included. */
  close(): Promise<void>;
}

const API = "/api/v1/fleet";
/** Fleet serves 20 per page when a page is asked for without per_page. */
const DEFAULT_PER_PAGE = 20;

interface RouteMatch {
  route: RouteName;
  hostId: number | null;
}

interface SimResponse {
  status: number;
  /** JSON body; undefined for an empty body. */
  json?: string | Buffer;
  /** Pre-rendered body for non-JSON answers (proxy error pages). */
  text?: { body: string; contentType: string };
  headers?: Record<string, string>;
}

/** An answer Fleet would give as a JSON error. */
class FleetHttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

function badRequest(reason: string): FleetHttpError {
  return new FleetHttpError(400, "Bad request", reason);
}

function errorBody(title: string, reason: string): string {
  const body: FleetErrorBody = { message: title, errors: [{ name: "base", reason }] };
  return JSON.stringify(body);
}

/** A simulator bug must show up as a 500 to the client under test, not kill the process. */
function failInternally(res: ServerResponse, error: unknown): void {
  process.stderr.write(`fleet-sim: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
  res.end(errorBody("Internal Server Error", "fleet-sim failed to answer"));
}

function parseBody(response: SimResponse): unknown {
  return response.json ? (JSON.parse(response.json.toString()) as unknown) : undefined;
}

export async function startFleetSim(options: FleetSimOptions): Promise<FleetSim> {
  if (!Number.isInteger(options.hosts) || options.hosts < 0 || options.hosts > MAX_HOSTS) {
    throw new RangeError(`hosts must be a whole number from 0 to ${MAX_HOSTS}`);
  }
  const clock = new SimClock({
    ...(options.startTime ? { startTime: options.startTime } : {}),
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
    manual: options.manualClock ?? false,
  });
  const model = new FleetModel({ hosts: options.hosts, seed: options.seed ?? 1, clock });
  const token = options.token ?? randomBytes(24).toString("base64url");
  const server = new FleetSimServer(model, clock, new FaultInjector(), new RequestLog(), token);
  const address = await server.listen(options.port ?? 0, options.host ?? "127.0.0.1");
  const hostPart = address.address.includes(":") ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostPart}:${address.port}`,
    token,
    model,
    clock,
    faults: server.faults,
    requests: server.requests,
    close: () => server.close(),
  };
}

/** The HTTP face of a FleetModel: Fleet's routes, auth, errors and the armed faults. */
export class FleetSimServer {
  private readonly server: Server;
  private readonly held = new Set<NodeJS.Timeout>();
  private readonly tokenBytes: Buffer;

  constructor(
    readonly model: FleetModel,
    readonly clock: SimClock,
    readonly faults: FaultInjector,
    readonly requests: RequestLog,
    token: string,
  ) {
    this.tokenBytes = Buffer.from(token);
    this.server = createServer((req, res) => {
      try {
        this.handle(req, res);
      } catch (error) {
        failInternally(res, error);
      }
    });
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    for (const timer of this.held) clearTimeout(timer);
    this.held.clear();
    return new Promise((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const rawUrl = req.url ?? "/";
    const url = new URL(rawUrl, "http://fleet-sim.invalid");
    const method = req.method ?? "GET";
    const match = matchRoute(method, url.pathname);
    const entry = this.requests.record({
      method,
      route: match?.route ?? "unknown",
      url: rawUrl,
      hostId: match?.hostId ?? null,
      at: this.clock.nowDate(),
    });
    if (!match) {
      this.send(res, entry, {
        status: 404,
        json: errorBody("Resource Not Found", `no route for ${method} ${url.pathname}`),
      });
      return;
    }
    const authError = this.checkAuth(req);
    if (authError) {
      this.send(res, entry, { status: 401, json: errorBody("Authentication required", authError) });
      return;
    }
    const fault = this.faults.take(match.route);
    if (fault) entry.fault = fault.kind;
    if (fault?.kind === "timeout") {
      const timer = setTimeout(() => {
        this.held.delete(timer);
        try {
          if (!res.destroyed) this.answer(res, entry, match, url, undefined);
        } catch (error) {
          failInternally(res, error);
        }
      }, fault.ms);
      this.held.add(timer);
      res.on("close", () => {
        clearTimeout(timer);
        this.held.delete(timer);
      });
      return;
    }
    this.answer(res, entry, match, url, fault);
  }

  private answer(
    res: ServerResponse,
    entry: RequestRecord,
    match: RouteMatch,
    url: URL,
    fault: FaultSpec | undefined,
  ): void {
    switch (fault?.kind) {
      case "status":
        this.send(res, entry, serverError(fault.status));
        return;
      case "rateLimit":
        this.send(res, entry, {
          status: 429,
          headers: { "retry-after": String(fault.retryAfterSeconds) },
          json: errorBody(`limit exceeded, retry after: ${fault.retryAfterSeconds}s`, "too many requests"),
        });
        return;
      default:
        break;
    }
    let response: SimResponse;
    try {
      response = this.route(match, url);
    } catch (error) {
      if (!(error instanceof FleetHttpError)) throw error;
      response = { status: error.status, json: errorBody(error.title, error.reason) };
    }
    const ok = response.status >= 200 && response.status < 300;
    switch (fault?.kind) {
      case "malformedJson": {
        const body = (response.json ?? "{}").toString();
        // A proxy or crashing server mixing HTML into a cut JSON body.
        const broken = `${body.slice(0, Math.max(1, Math.floor(body.length / 2)))}<html><body>upstream reset</body>`;
        this.sendRaw(res, entry, 200, broken, "application/json; charset=utf-8");
        return;
      }
      case "badShape":
        this.send(res, entry, { status: 200, json: JSON.stringify(misshape(match.route, parseBody(response))) });
        return;
      case "badTime":
        this.send(res, entry, { status: 200, json: JSON.stringify(withBadTime(parseBody(response))) });
        return;
      case "truncate": {
        const body = Buffer.from(response.json ?? "{}");
        entry.status = response.status;
        res.writeHead(response.status, {
          "content-type": "application/json; charset=utf-8",
          "content-length": String(body.length),
        });
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
        return;
      }
      case "changeDuringPaging": {
        this.send(res, entry, response);
        const hosts = (parseBody(response) as { hosts?: FleetHost[] } | undefined)?.hosts;
        const last = hosts?.[hosts.length - 1];
        if (ok && match.route === "list" && last) {
          const perPage = hosts?.length ?? 1;
          this.model.shuffleDuringPaging(last.id, Math.floor(perPage / 2));
        }
        return;
      }
      default:
        this.send(res, entry, response);
    }
  }

  private route(match: RouteMatch, url: URL): SimResponse {
    const q = url.searchParams;
    const model = this.model;
    const hostId = match.hostId ?? -1;
    const notFound = (): FleetHttpError =>
      new FleetHttpError(404, "Resource Not Found", "Host was not found in the datastore");
    switch (match.route) {
      case "list": {
        const { filter, page } = parseListQuery(q);
        return { status: 200, json: model.listBody(filter, page) };
      }
      case "count": {
        const { filter } = parseListQuery(q);
        return { status: 200, json: JSON.stringify({ count: model.count(filter) }) };
      }
      case "detail": {
        const host = model.detail(hostId);
        if (!host) throw notFound();
        return { status: 200, json: JSON.stringify({ host }) };
      }
      case "mdm": {
        const mdm = model.mdmInfo(hostId);
        if (!mdm) throw notFound();
        return { status: 200, json: JSON.stringify(mdm) };
      }
      case "hostSummary":
        return { status: 200, json: JSON.stringify(model.hostSummary(parseSummaryQuery(q))) };
      case "mdmSummary":
        return { status: 200, json: JSON.stringify(model.mdmSummary(parseSummaryQuery(q))) };
      case "deleteHost":
        if (!model.purge(hostId)) throw notFound();
        return { status: 200, json: "{}" };
      case "deleteMdm":
        if (!model.has(hostId)) throw notFound();
        if (!model.turnOffMdm(hostId)) throw badRequest("Host doesn't have MDM turned on.");
        return { status: 204 };
      case "refetch":
        if (!model.refetch(hostId)) throw notFound();
        return { status: 200, json: "{}" };
    }
  }

  private checkAuth(req: IncomingMessage): string | null {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) return "Authorization header required";
    const given = Buffer.from(match[1]);
    if (given.length !== this.tokenBytes.length || !timingSafeEqual(given, this.tokenBytes)) {
      return "invalid API token";
    }
    return null;
  }

  private send(res: ServerResponse, entry: RequestRecord, response: SimResponse): void {
    if (response.text) {
      this.sendRaw(res, entry, response.status, response.text.body, response.text.contentType, response.headers);
      return;
    }
    const body = response.json ?? "";
    this.sendRaw(res, entry, response.status, body, "application/json; charset=utf-8", response.headers);
  }

  private sendRaw(
    res: ServerResponse,
    entry: RequestRecord,
    status: number,
    body: string | Buffer,
    contentType: string,
    headers: Record<string, string> = {},
  ): void {
    entry.status = status;
    if (res.destroyed) return;
    const head: Record<string, string> = { ...headers };
    if (status !== 204) {
      head["content-type"] = contentType;
      head["content-length"] = String(Buffer.byteLength(body));
    }
    res.writeHead(status, head);
    res.end(status === 204 ? undefined : body);
  }
}

function matchRoute(method: string, path: string): RouteMatch | null {
  if (!path.startsWith(API)) return null;
  const rest = path.slice(API.length);
  if (method === "GET") {
    if (rest === "/hosts") return { route: "list", hostId: null };
    if (rest === "/hosts/count") return { route: "count", hostId: null };
    if (rest === "/host_summary") return { route: "hostSummary", hostId: null };
    if (rest === "/hosts/summary/mdm") return { route: "mdmSummary", hostId: null };
  }
  const hostPath = /^\/hosts\/(\d{1,15})(\/mdm|\/refetch)?$/.exec(rest);
  if (!hostPath?.[1]) return null;
  const hostId = Number(hostPath[1]);
  const sub = hostPath[2];
  if (method === "GET" && sub === undefined) return { route: "detail", hostId };
  if (method === "GET" && sub === "/mdm") return { route: "mdm", hostId };
  if (method === "DELETE" && sub === undefined) return { route: "deleteHost", hostId };
  if (method === "DELETE" && sub === "/mdm") return { route: "deleteMdm", hostId };
  if (method === "POST" && sub === "/refetch") return { route: "refetch", hostId };
  return null;
}

/** Go's strconv.Atoi, which Fleet uses for paging values. */
function parseInteger(value: string): number | null {
  return /^[+-]?\d{1,15}$/.test(value) ? Number(value) : null;
}

/** Go's strconv.ParseBool. */
function parseBool(value: string): boolean | null {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  return null;
}

const STATUS_FILTERS = ["new", "online", "offline", "mia", "missing"] as const;
const MDM_FILTERS = ["manual", "automatic", "enrolled", "pending", "unenrolled"] as const;

/** Validates list parameters the way Fleet's listOptionsFromRequest does, with its messages. */
function parseListQuery(q: URLSearchParams): { filter: HostFilter; page: HostPageRequest } {
  const pageText = q.get("page") ?? "";
  const perPageText = q.get("per_page") ?? "";
  const orderKey = q.get("order_key") ?? "";
  const direction = q.get("order_direction") ?? "";
  const afterText = q.get("after") ?? "";

  let page = 0;
  if (pageText !== "") {
    const n = parseInteger(pageText);
    if (n === null) throw badRequest("non-int page value");
    if (n < 0) throw badRequest("negative page value");
    page = n;
  }
  let perPage = 0;
  if (perPageText !== "") {
    const n = parseInteger(perPageText);
    if (n === null) throw badRequest("non-int per_page value");
    if (n <= 0) throw badRequest("invalid per_page value");
    perPage = n;
  }
  // Fleet returns everything when no paging is asked for; the simulator caps that like per_page.
  if (perPage === 0) perPage = pageText !== "" ? DEFAULT_PER_PAGE : MAX_PER_PAGE;
  if (orderKey === "" && direction !== "") throw badRequest("order_key must be specified with order_direction");
  if (orderKey === "" && afterText !== "") throw badRequest("order_key must be specified with after");
  if (orderKey !== "" && orderKey !== "id") throw badRequest(`fleet-sim supports order_key=id only, got: ${orderKey}`);
  if (direction !== "" && direction !== "asc" && direction !== "desc") {
    throw badRequest(`unknown order_direction: ${direction}`);
  }
  let after: number | undefined;
  if (afterText !== "") {
    const n = parseInteger(afterText);
    if (n === null) throw badRequest(`invalid after value for order_key id: ${afterText}`);
    after = n;
  }

  const filter: HostFilter = {};
  const status = q.get("status") ?? "";
  if (status !== "") {
    if (!(STATUS_FILTERS as readonly string[]).includes(status)) throw badRequest(`Invalid status: ${status}`);
    filter.status = status as HostFilter["status"];
  }
  const query = (q.get("query") ?? "").trim();
  if (query !== "") filter.query = query;
  const mdm = q.get("mdm_enrollment_status") ?? "";
  if (mdm !== "") {
    if (!(MDM_FILTERS as readonly string[]).includes(mdm)) throw badRequest(`Invalid mdm_enrollment_status: ${mdm}`);
    filter.mdmEnrollmentStatus = mdm as HostFilter["mdmEnrollmentStatus"];
  }
  const teamId = parseTeamId(q);
  if (teamId !== undefined) filter.teamId = teamId;
  const mappingText = q.get("device_mapping") ?? "";
  let deviceMapping = false;
  if (mappingText !== "") {
    const b = parseBool(mappingText);
    if (b === null) throw badRequest(`Invalid device_mapping: ${mappingText}`);
    deviceMapping = b;
  }
  return {
    filter,
    page: {
      page,
      perPage: Math.min(perPage, MAX_PER_PAGE),
      ...(after !== undefined ? { after } : {}),
      direction: direction === "desc" ? "desc" : "asc",
      deviceMapping,
    },
  };
}

function parseTeamId(q: URLSearchParams): number | undefined {
  const text = q.get("team_id") ?? "";
  if (text === "") return undefined;
  if (!/^\d{1,10}$/.test(text)) throw badRequest(`Invalid team_id: ${text}`);
  return Number(text);
}

function parseSummaryQuery(q: URLSearchParams): { teamId?: number; platform?: string } {
  const teamId = parseTeamId(q);
  const platform = q.get("platform") ?? "";
  return { ...(teamId !== undefined ? { teamId } : {}), ...(platform ? { platform } : {}) };
}

function serverError(status: 500 | 502 | 503): SimResponse {
  if (status === 500) {
    return { status, json: errorBody("Internal Server Error", "simulated internal error") };
  }
  // What a reverse proxy in front of Fleet answers: an HTML page, not Fleet's JSON.
  const title = status === 502 ? "502 Bad Gateway" : "503 Service Temporarily Unavailable";
  return {
    status,
    text: {
      body: `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
      contentType: "text/html",
    },
  };
}

/** Valid JSON a careless server could send: right envelope, wrong types or missing keys. */
/** February 30th: well-formed RFC 3339 that a lenient parser would roll over to March. */
function withBadTime(payload: unknown): unknown {
  const p = payload as { hosts?: Record<string, unknown>[]; host?: Record<string, unknown> } | undefined;
  const host = p?.host ?? p?.hosts?.[p.hosts.length - 1];
  if (host) host.seen_time = "2026-02-30T10:00:00Z";
  return p;
}

function misshape(route: RouteName, payload: unknown): unknown {
  const p = payload as Record<string, unknown> | undefined;
  switch (route) {
    case "list": {
      const hosts = (p?.hosts as FleetHost[] | undefined) ?? [];
      if (hosts.length === 0) return { hosts: {} };
      return {
        hosts: hosts.map((host, i) => {
          const { id, ...rest } = host;
          return i === 0 ? rest : { ...rest, id: String(id) };
        }),
      };
    }
    case "count":
      return { count: String(p?.count ?? "") };
    case "detail": {
      const host = p?.host as Record<string, unknown> | undefined;
      return { host: { ...host, id: String(host?.id ?? ""), mdm: "On" } };
    }
    case "mdm":
      return { ...p, enrollment_status: 1, id: String(p?.id ?? "") };
    default:
      return [p];
  }
}
