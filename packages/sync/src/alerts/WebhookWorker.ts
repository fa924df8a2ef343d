import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Database } from "@enrollwatch/db";
import type { Logger } from "pino";
import { ts } from "../sql/SqlTime.ts";
import { WebhookSecretBox } from "./WebhookSecretBox.ts";
import { signWebhook, WEBHOOK_HEADERS } from "./WebhookSignature.ts";
import { guardedLookup, parseWebhookUrl, RefusedWebhookTarget } from "./WebhookTarget.ts";

export interface WebhookWorkerOptions {
  db: Database;
  logger: Logger;
  /** Post to loopback and private addresses (WEBHOOK_ALLOW_PRIVATE): tests and internal receivers. */
  allowPrivate: boolean;
  /** A receiver that has not answered by then is a failed attempt (retried later). */
  timeoutMs?: number;
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Deliveries in flight per webhook: a slow receiver uses its own slots, never another's. */
  concurrencyPerWebhook?: number;
  pollMs?: number;
  now?: () => Date;
  /** Opens the stored secrets (sealed with SECRETS_KEY, or in clear); in clear only without one. */
  secrets?: WebhookSecretBox;
}

export interface AttemptOutcome {
  ok: boolean;
  status: number | null;
  response: string | null;
  error: string | null;
}

type ClaimedDelivery = {
  id: string;
  webhookId: string;
  body: string;
  attempts: number;
  url: string;
  secret: string;
};

const RESPONSE_KEEP_BYTES = 1_000;

/**
 * Delivers the webhook queue (WebhookDelivery rows). Each webhook has its own lane with a few
 * slots; a lane claims due rows with a lease (`FOR UPDATE SKIP LOCKED`, so several instances share
 * the queue without sending a row twice), posts them, and records the outcome: DELIVERED on 2xx,
 * otherwise retried with exponential backoff and jitter until `maxAttempts`, then FAILED with the
 * last status and response kept for the delivery log.
 */
export class WebhookWorker {
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly slots: number;
  private readonly pollMs: number;
  private readonly now: () => Date;
  private readonly inFlight = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private rescan = false;
  private stopped = true;

  constructor(private readonly options: WebhookWorkerOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.retryBaseMs = options.retryBaseMs ?? 10_000;
    this.retryMaxMs = options.retryMaxMs ?? 3_600_000;
    this.slots = options.concurrencyPerWebhook ?? 8;
    this.pollMs = options.pollMs ?? 2_000;
    this.now = options.now ?? (() => new Date());
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => this.poke(), this.pollMs);
    this.timer.unref();
    this.poke();
  }

  /** Stops claiming; deliveries in flight finish (each is bounded by the timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.scanning?.catch(() => {});
    await Promise.allSettled([...this.running]);
  }

  /** Look for due deliveries now (new rows were queued). Cheap to call often: scans coalesce. */
  poke(): void {
    if (this.stopped) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = this.scan()
      .catch((error: unknown) => this.options.logger.error({ err: error }, "webhook queue scan failed"))
      .finally(() => {
        this.scanning = undefined;
        if (this.rescan) {
          this.rescan = false;
          this.poke();
        }
      });
  }

  private async scan(): Promise<void> {
    const due = await this.options.db.withConnection((conn) =>
      conn.query<{ webhookId: string }>(
        `SELECT DISTINCT "webhookId" FROM "WebhookDelivery" WHERE state = 'PENDING' AND "nextAttemptAt" <= $1::timestamp(3)`,
        [ts(this.now())],
      ),
    );
    for (const { webhookId } of due) {
      const free = this.slots - (this.inFlight.get(webhookId) ?? 0);
      if (free <= 0 || this.stopped) continue;
      const claimed = await this.claim(webhookId, free);
      for (const delivery of claimed) this.launch(delivery);
    }
  }

  private async claim(webhookId: string, limit: number): Promise<ClaimedDelivery[]> {
    const now = this.now();
    // Long enough for one attempt and its bookkeeping; a crashed instance's rows return after it.
    const leaseUntil = new Date(now.getTime() + this.timeoutMs * 3 + 30_000);
    return this.options.db.withConnection(async (conn) => {
      return await conn.query<ClaimedDelivery>(
        `WITH due AS (
           SELECT d.id FROM "WebhookDelivery" d
            WHERE d."webhookId" = $1 AND d.state = 'PENDING' AND d."nextAttemptAt" <= $2::timestamp(3)
            ORDER BY d."nextAttemptAt", d."createdAt"
            LIMIT $3 FOR UPDATE SKIP LOCKED)
         UPDATE "WebhookDelivery" d SET "nextAttemptAt" = $4::timestamp(3)
           FROM due, "Webhook" w
          WHERE d.id = due.id AND w.id = d."webhookId"
         RETURNING d.id, d."webhookId", d.body, d.attempts, w.url, w.secret`,
        [webhookId, ts(now), limit, ts(leaseUntil)],
      );
    });
  }

  private launch(delivery: ClaimedDelivery): void {
    this.inFlight.set(delivery.webhookId, (this.inFlight.get(delivery.webhookId) ?? 0) + 1);
    const task = this.deliver(delivery)
      .catch((error: unknown) =>
        this.options.logger.error({ err: error, deliveryId: delivery.id }, "webhook bookkeeping failed"),
      )
      .finally(() => {
        this.running.delete(task);
        const left = (this.inFlight.get(delivery.webhookId) ?? 1) - 1;
        if (left === 0) this.inFlight.delete(delivery.webhookId);
        else this.inFlight.set(delivery.webhookId, left);
        // A slot came free: the lane may have more waiting.
        this.poke();
      });
    this.running.add(task);
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const outcome = await this.attempt(delivery);
    const attempts = delivery.attempts + 1;
    const at = this.now();
    const failed = !outcome.ok && attempts >= this.maxAttempts;
    const backoff = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (attempts - 1));
    // ±20% jitter, so receivers coming back from an outage are not hit by every retry at once.
    const next = new Date(at.getTime() + Math.round(backoff * (0.8 + Math.random() * 0.4)));
    const state = outcome.ok ? "DELIVERED" : failed ? "FAILED" : "PENDING";
    await this.options.db.withConnection((conn) =>
      conn.query(
        `UPDATE "WebhookDelivery" SET state = $2::"WebhookDeliveryState", attempts = $3, "lastAttemptAt" = $4::timestamp(3),
           "lastStatus" = $5, "lastResponse" = $6, "lastError" = $7, "nextAttemptAt" = $8::timestamp(3), "deliveredAt" = $9::timestamp(3)
         WHERE id = $1`,
        [
          delivery.id,
          state,
          attempts,
          ts(at),
          outcome.status,
          outcome.response,
          outcome.error,
          ts(outcome.ok || failed ? at : next),
          outcome.ok ? ts(at) : null,
        ],
      ),
    );
    if (!outcome.ok) {
      this.options.logger.warn(
        {
          deliveryId: delivery.id,
          webhookId: delivery.webhookId,
          attempts,
          status: outcome.status,
          err: outcome.error,
        },
        failed ? "webhook delivery failed for good" : "webhook delivery failed; will retry",
      );
    }
  }

  private async attempt(delivery: ClaimedDelivery): Promise<AttemptOutcome> {
    let secret: string;
    try {
      secret = (this.options.secrets ?? CLEAR_SECRETS).open(delivery.secret);
    } catch (error) {
      // Nothing is sent unsigned: the attempt fails, with why, in the delivery log.
      return { ok: false, status: null, response: null, error: error instanceof Error ? error.message : String(error) };
    }
    return postWebhook(
      { ...delivery, secret },
      { allowPrivate: this.options.allowPrivate, timeoutMs: this.timeoutMs, now: this.now },
    );
  }
}

const CLEAR_SECRETS = new WebhookSecretBox(null);

/**
 * One signed POST. Never throws: refusals, timeouts, resets and non-2xx answers are outcomes the
 * delivery log shows.
 */
export function postWebhook(
  target: { id: string; url: string; secret: string; body: string },
  options: { allowPrivate: boolean; timeoutMs: number; now?: () => Date },
): Promise<AttemptOutcome> {
  const checked = parseWebhookUrl(target.url, options.allowPrivate);
  if (!checked.ok) return Promise.resolve({ ok: false, status: null, response: null, error: checked.message });
  const url = checked.url;
  const timestamp = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = request(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Enrollwatch-Webhooks/1",
          [WEBHOOK_HEADERS.id]: target.id,
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.signature]: signWebhook(target.secret, timestamp, target.body),
        },
        lookup: options.allowPrivate ? undefined : guardedLookup,
        // A fresh connection per delivery: a pooled socket could outlive the address check.
        agent: false,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on("data", (chunk: Buffer) => {
          if (kept < RESPONSE_KEEP_BYTES) {
            chunks.push(chunk);
            kept += chunk.length;
          }
        });
        res.on("error", (error) =>
          finish({ ok: false, status: res.statusCode ?? null, response: null, error: error.message }),
        );
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const response = Buffer.concat(chunks).toString("utf8").slice(0, RESPONSE_KEEP_BYTES);
          const ok = status >= 200 && status < 300;
          finish({ ok, status, response, error: ok ? null : `receiver answered ${status}` });
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    req.on("error", (error: NodeJS.ErrnoException) => {
      const message =
        error instanceof RefusedWebhookTarget || error.code === "EREFUSEDTARGET"
          ? error.message
          : `${error.code ? `${error.code}: ` : ""}${error.message}`;
      finish({ ok: false, status: null, response: null, error: message });
    });
    req.end(target.body);
  });
}
