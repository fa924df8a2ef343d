import type { PrismaClient } from "@enrollwatch/db";
import type { Transporter } from "nodemailer";
import type { Logger } from "pino";
import { ENROLLMENT_LINK_PLACEHOLDER, issueEmployeeLink } from "./EmployeeLinks.ts";
import { htmlFromText } from "./MessageTemplates.ts";

export interface OutboxWorkerOptions {
  prisma: PrismaClient;
  /** null: no SMTP configured; messages stay in the outbox marked UNSENT. */
  transport: Transporter | null;
  from: string;
  logger: Logger;
  /** The employee page; each sent message gets its own sign-in link to it. */
  enrollmentPageUrl?: () => string;
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long a claimed message is reserved for this worker before another may retry it. */
  leaseMs?: number;
  batchSize?: number;
  now?: () => Date;
}

export interface DeliveryReport {
  sent: number;
  retrying: number;
  failed: number;
  unsent: number;
}

/**
 * Sends what the outbox holds, with retries and exponential backoff; a message that keeps failing
 * ends FAILED with its last error, visible. Safe with several instances: a message is claimed by a
 * conditional update before it is sent, so no two workers send the same one.
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<DeliveryReport> | undefined;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly now: () => Date;

  constructor(private readonly options: OutboxWorkerOptions) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryBaseMs = options.retryBaseMs ?? 30_000;
    this.retryMaxMs = options.retryMaxMs ?? 3_600_000;
    this.leaseMs = options.leaseMs ?? 300_000;
    this.batchSize = options.batchSize ?? 50;
    this.now = options.now ?? (() => new Date());
  }

  start(intervalMs = 5_000): void {
    this.timer ??= setInterval(() => {
      this.deliverDue().catch((error: unknown) => this.options.logger.error({ err: error }, "outbox delivery failed"));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }

  /** Delivers every message that is due now; concurrent calls share one pass. */
  deliverDue(): Promise<DeliveryReport> {
    this.running ??= this.deliver().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Fills in a fresh single-use link for the recipient; only this message ever holds the token. */
  private async withSignInLink(message: { id: string; body: string; employeeId: string | null }): Promise<string> {
    if (!message.body.includes(ENROLLMENT_LINK_PLACEHOLDER)) return message.body;
    const base = this.options.enrollmentPageUrl?.();
    if (!message.employeeId || !base) return message.body.replace(ENROLLMENT_LINK_PLACEHOLDER, base ?? "");
    const token = await issueEmployeeLink(this.options.prisma, message.employeeId, message.id, this.now());
    return message.body.replace(ENROLLMENT_LINK_PLACEHOLDER, `${base}?token=${token}`);
  }

  private async deliver(): Promise<DeliveryReport> {
    const { prisma, transport } = this.options;
    const report: DeliveryReport = { sent: 0, retrying: 0, failed: 0, unsent: 0 };
    if (!transport) {
      const { count } = await prisma.outboundMessage.updateMany({
        where: { state: "PENDING" },
        data: { state: "UNSENT", lastError: "No SMTP server is configured (SMTP_URL)." },
      });
      report.unsent = count;
      return report;
    }
    for (;;) {
      const now = this.now();
      const due = await prisma.outboundMessage.findMany({
        where: { state: { in: ["PENDING", "UNSENT"] }, nextAttemptAt: { lte: now } },
        orderBy: { nextAttemptAt: "asc" },
        take: this.batchSize,
      });
      if (due.length === 0) return report;
      for (const message of due) {
        const claimed = await prisma.outboundMessage.updateMany({
          where: { id: message.id, state: message.state, nextAttemptAt: message.nextAttemptAt },
          data: { nextAttemptAt: new Date(now.getTime() + this.leaseMs) },
        });
        if (claimed.count !== 1) continue;
        try {
          const text = await this.withSignInLink(message);
          await transport.sendMail({
            from: this.options.from,
            to: message.recipient,
            subject: message.subject,
            text,
            html: htmlFromText(message.subject, text),
          });
          await prisma.outboundMessage.update({
            where: { id: message.id },
            data: { state: "SENT", sentAt: this.now(), attempts: { increment: 1 }, lastError: null },
          });
          report.sent++;
        } catch (error) {
          const attempts = message.attempts + 1;
          const lastError = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "send failed";
          const failed = attempts >= this.maxAttempts;
          const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (attempts - 1));
          await prisma.outboundMessage.update({
            where: { id: message.id },
            data: {
              attempts,
              lastError,
              state: failed ? "FAILED" : "PENDING",
              nextAttemptAt: new Date(this.now().getTime() + delay),
            },
          });
          if (failed) report.failed++;
          else report.retrying++;
          this.options.logger.warn({ messageId: message.id, attempts, err: lastError }, "message delivery failed");
        }
      }
    }
  }
}
