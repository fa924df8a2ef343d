import { createHash, randomBytes } from "node:crypto";
import type { PrismaClient } from "@enrollwatch/db";

/** Where a message's sign-in link goes; filled in when the message is sent, never stored. */
export const ENROLLMENT_LINK_PLACEHOLDER = "{{ENROLLMENT_LINK}}";

export const DEFAULT_LINK_TTL_MS = 7 * 24 * 3_600_000;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Links issued within this time of each other all stay valid: a bulk send about several of the
 * employee's devices, a retried delivery or another instance's delivery must not leave the e-mails
 * that arrived first with dead links.
 */
export const LINK_SUPERSEDE_GRACE_MS = 10 * 60_000;

/**
 * A new single-use sign-in link for the employee, superseding the older ones (only the latest
 * message's link works), except those issued within LINK_SUPERSEDE_GRACE_MS. Returns the token,
 * which exists only in the message that carries it.
 */
export async function issueEmployeeLink(
  prisma: PrismaClient,
  employeeId: string,
  messageId: string | null,
  now: Date,
  ttlMs: number = DEFAULT_LINK_TTL_MS,
): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await prisma.$transaction([
    prisma.employeeLink.updateMany({
      where: {
        employeeId,
        supersededAt: null,
        usedAt: null,
        createdAt: { lt: new Date(now.getTime() - LINK_SUPERSEDE_GRACE_MS) },
      },
      data: { supersededAt: now },
    }),
    prisma.employeeLink.create({
      data: {
        employeeId,
        messageId,
        tokenHash: hashToken(token),
        createdAt: now,
        expiresAt: new Date(now.getTime() + ttlMs),
      },
    }),
  ]);
  return token;
}

export type LinkRedemption =
  | { ok: true; employeeId: string }
  | {
      ok: false;
      reason: "UNKNOWN" | "EXPIRED" | "USED" | "SUPERSEDED";
      message: string;
      /** Whose link it was, when it exists: a refused link of the employee already signed in is moot. */
      employeeId: string | null;
    };

const REFUSALS = {
  UNKNOWN: "This link is not valid. Use the link in your latest e-mail, or ask your IT team for a new one.",
  EXPIRED: "This link has expired. Ask your IT team to send you a new one.",
  USED: "This link was already used. Links work once; ask your IT team for a new one if you need it.",
  SUPERSEDED: "A newer link was sent to you. Use the link in your latest e-mail.",
} as const;

/** Spends a link: valid once, before it expires, and only while it is the latest one. */
export async function redeemEmployeeLink(prisma: PrismaClient, token: string, now: Date): Promise<LinkRedemption> {
  const link = /^[A-Za-z0-9_-]{20,100}$/.test(token)
    ? await prisma.employeeLink.findUnique({ where: { tokenHash: hashToken(token) } })
    : null;
  const refuse = (reason: keyof typeof REFUSALS): LinkRedemption => ({
    ok: false,
    reason,
    message: REFUSALS[reason],
    employeeId: link?.employeeId ?? null,
  });
  if (!link) return refuse("UNKNOWN");
  if (link.usedAt) return refuse("USED");
  if (link.supersededAt) return refuse("SUPERSEDED");
  if (link.expiresAt <= now) return refuse("EXPIRED");
  // Conditional update: two tabs opening the same link at once get one session between them.
  const spent = await prisma.employeeLink.updateMany({ where: { id: link.id, usedAt: null }, data: { usedAt: now } });
  if (spent.count !== 1) return refuse("USED");
  return { ok: true, employeeId: link.employeeId };
}
