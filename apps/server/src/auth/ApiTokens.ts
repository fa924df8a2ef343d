import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ApiTokenRole } from "@enrollwatch/db";
import { prisma } from "../db.ts";

export interface Viewer {
  tokenId: string;
  name: string;
  role: ApiTokenRole;
}

/** Secrets are stored as sha256: they are long random strings, so a slow KDF adds nothing. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function newSecret(): string {
  return `ew_${randomBytes(24).toString("base64url")}`;
}

const LAST_USED_RESOLUTION_MS = 60_000;
/**
 * Verified tokens are remembered this long, so a busy client costs no token lookup per request.
 * Revoking clears this instance's entry at once; other instances notice within this time.
 */
const VERIFIED_TOKEN_TTL_MS = 5_000;
const verified = new Map<string, { viewer: Viewer; until: number }>();

export function forgetVerifiedTokens(): void {
  verified.clear();
}

/** The viewer a bearer token stands for, or null when it is missing, unknown or revoked. */
export async function authenticate(authorization: string | null | undefined): Promise<Viewer | null> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? "");
  const secret = match?.[1];
  if (!secret) return null;
  const hash = hashSecret(secret);
  const now = Date.now();
  const cached = verified.get(hash);
  if (cached && cached.until > now) return cached.viewer;
  const token = await prisma.apiToken.findUnique({ where: { secretHash: hash } });
  if (!token || token.revokedAt !== null) return null;
  // Constant-time compare of what the index found, for good measure against timing probes.
  if (!timingSafeEqual(Buffer.from(token.secretHash), Buffer.from(hash))) return null;
  if (!token.lastUsedAt || now - token.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await prisma.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date(now) } });
  }
  const viewer: Viewer = { tokenId: token.id, name: token.name, role: token.role };
  if (verified.size > 10_000) verified.clear();
  verified.set(hash, { viewer, until: now + VERIFIED_TOKEN_TTL_MS });
  return viewer;
}

/** ADMIN_TOKEN from the environment becomes an admin token, so a new install can be used at once. */
export async function seedAdminToken(secret: string): Promise<void> {
  const secretHash = hashSecret(secret);
  await prisma.apiToken.upsert({
    where: { secretHash },
    create: { name: "ADMIN_TOKEN (environment)", secretHash, role: "ADMIN" },
    update: {},
  });
}
