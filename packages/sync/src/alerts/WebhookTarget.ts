/**
 * Where a webhook may post. The server must not become a way into the network it runs in, so
 * targets that are (or resolve to) loopback, private, link-local, unique-local, CGNAT, multicast or
 * otherwise special addresses are refused unless the deployment allows them. The check runs when a
 * webhook is saved (a clear error for the admin) and again inside the connection's own DNS lookup
 * at every delivery, so a name that later resolves somewhere private (DNS rebinding) is still refused
 * before any connection is attempted.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

export class RefusedWebhookTarget extends Error {
  override readonly name = "RefusedWebhookTarget";
  readonly code = "EREFUSEDTARGET";
}

/** Null when the address may be reached; otherwise why not ("private", "loopback", ...). */
export function refusedAddressRange(address: string): string | null {
  if (!ipaddr.isValid(address)) return "not an IP address";
  // process() turns IPv4-mapped IPv6 (::ffff:10.0.0.1) into the IPv4 address it carries.
  const range = ipaddr.process(address).range();
  return range === "unicast" ? null : range;
}

export type WebhookUrlCheck = { ok: true; url: URL } | { ok: false; message: string };

/** Syntax and literal addresses; names are checked by resolving them (checkWebhookTarget). */
export function parseWebhookUrl(raw: string, allowPrivate: boolean): WebhookUrlCheck {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, message: "url must be an absolute http(s) URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { ok: false, message: `url must use http or https, not ${url.protocol.replace(":", "")}` };
  }
  if (url.username || url.password) return { ok: false, message: "url must not carry a user name or password" };
  if (raw.length > 2000) return { ok: false, message: "url must be at most 2000 characters" };
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!allowPrivate && isIP(host)) {
    const range = refusedAddressRange(host);
    if (range) return { ok: false, message: `url points at a ${range} address (${host}), which is refused` };
  }
  if (!allowPrivate && (host === "localhost" || host.endsWith(".localhost"))) {
    return { ok: false, message: `url points at ${host} (loopback), which is refused` };
  }
  return { ok: true, url };
}

/** parseWebhookUrl, then every address the name resolves to must be allowed. */
export async function checkWebhookTarget(raw: string, allowPrivate: boolean): Promise<WebhookUrlCheck> {
  const parsed = parseWebhookUrl(raw, allowPrivate);
  if (!parsed.ok || allowPrivate) return parsed;
  const host = parsed.url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) return parsed;
  let addresses: LookupAddress[];
  try {
    addresses = await new Promise((resolve, reject) =>
      dnsLookup(host, { all: true }, (error, found) => (error ? reject(error) : resolve(found))),
    );
  } catch {
    return { ok: false, message: `url host ${host} does not resolve` };
  }
  for (const { address } of addresses) {
    const range = refusedAddressRange(address);
    if (range)
      return { ok: false, message: `url host ${host} resolves to a ${range} address (${address}), which is refused` };
  }
  return parsed;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A drop-in for `dns.lookup` in http.request's `lookup` option: resolves, then refuses the
 * connection when any resolved address is refused.
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { family: options.family, hints: options.hints, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    for (const { address } of addresses) {
      const range = refusedAddressRange(address);
      if (range) {
        return callback(
          new RefusedWebhookTarget(`${hostname} resolves to a ${range} address (${address}); refused`),
          [],
        );
      }
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), []);
    callback(null, first.address, first.family);
  });
}
