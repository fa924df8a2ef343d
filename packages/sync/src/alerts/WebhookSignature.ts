import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Deliveries carry `Enrollwatch-Webhook-Id`, `Enrollwatch-Webhook-Timestamp` (Unix seconds) and
 * `Enrollwatch-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. Signing the timestamp
 * with the body lets a receiver refuse old (replayed) deliveries; the id lets it drop duplicates,
 * since a delivery that timed out may have arrived and is sent again.
 */
export const WEBHOOK_HEADERS = {
  id: "enrollwatch-webhook-id",
  timestamp: "enrollwatch-webhook-timestamp",
  signature: "enrollwatch-signature",
} as const;

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64url")}`;
}

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export type WebhookVerification = { ok: true } | { ok: false; reason: "BAD_SIGNATURE" | "STALE" | "MALFORMED" };

/** What a receiver runs: the signature matches and the timestamp is within `toleranceSeconds`. */
export function verifyWebhook(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): WebhookVerification {
  const timestamp = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(timestamp)) return { ok: false, reason: "MALFORMED" };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return { ok: false, reason: "STALE" };
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: "BAD_SIGNATURE" };
  return { ok: true };
}
