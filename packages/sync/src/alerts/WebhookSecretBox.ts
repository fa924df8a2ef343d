import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Database } from "@enrollwatch/db";

/**
 * Webhook secrets at rest. A webhook's secret signs its deliveries, so unlike an API token it
 * cannot be stored as a hash: whoever reads it can forge deliveries to the integrator. With
 * SECRETS_KEY set, it is stored sealed (AES-256-GCM, a fresh IV each time), and a copy of the
 * database or a backup alone no longer gives it away. Without a key it is stored as given, as
 * before; so is every secret stored before a key was set, until `sealStored` seals it. To change
 * the key, the old one is kept as a previous key until `sealStored` has sealed everything anew.
 */
const SEALED = "v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD = Buffer.from("enrollwatch webhook secret");

export class WebhookSecretError extends Error {
  override readonly name = "WebhookSecretError";
}

export class WebhookSecretBox {
  /** `key`: 32 bytes (AES-256), or null to store secrets as given; `previous`: keys being replaced. */
  constructor(
    private readonly key: Buffer | null,
    private readonly previous: readonly Buffer[] = [],
  ) {
    if ([key, ...previous].some((k) => k !== null && k.length !== 32)) {
      throw new WebhookSecretError("SECRETS_KEY must be 32 bytes");
    }
    if (key === null && previous.length > 0) throw new WebhookSecretError("a previous key needs SECRETS_KEY");
  }

  /** What to store for `secret`. */
  seal(secret: string): string {
    if (this.key === null) return secret;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv).setAAD(AAD);
    const sealed = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
    return `${SEALED}${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64")}`;
  }

  /** The secret a stored value holds; throws WebhookSecretError when it cannot be read with this key. */
  open(stored: string): string {
    return this.unseal(stored).secret;
  }

  /** The secret, and whether the current key sealed it (false: in clear, or under a previous key). */
  private unseal(stored: string): { secret: string; current: boolean } {
    if (!isSealed(stored)) return { secret: stored, current: false };
    if (this.key === null) {
      throw new WebhookSecretError("the webhook's secret is sealed and SECRETS_KEY is not set");
    }
    const bytes = Buffer.from(stored.slice(SEALED.length), "base64");
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new WebhookSecretError("the webhook's stored secret is damaged");
    for (const key of [this.key, ...this.previous]) {
      const secret = openWith(key, bytes);
      if (secret !== null) return { secret, current: key === this.key };
    }
    throw new WebhookSecretError(
      "the webhook's secret cannot be opened with SECRETS_KEY (sealed with another key, or altered)",
    );
  }

  /**
   * Seals with the current key the secrets stored in clear (before a key was set) or sealed with a
   * previous key; answers how many. Safe beside other instances doing the same: a row is only
   * replaced if it still holds the value read.
   */
  async sealStored(db: Database): Promise<number> {
    if (this.key === null) return 0;
    // A fleet's webhooks are a handful: read them all rather than guess which key sealed each.
    const rows = await db.prisma.webhook.findMany({ select: { id: true, secret: true } });
    let sealed = 0;
    for (const row of rows) {
      let unsealed: { secret: string; current: boolean };
      try {
        unsealed = this.unseal(row.secret);
      } catch {
        continue; // No key opens it: its deliveries say so; nothing here can mend it.
      }
      if (unsealed.current) continue;
      const { count } = await db.prisma.webhook.updateMany({
        where: { id: row.id, secret: row.secret },
        data: { secret: this.seal(unsealed.secret) },
      });
      sealed += count;
    }
    return sealed;
  }

  /** How many stored secrets this box cannot open for want of a key (a key removed from the config). */
  async unopenable(db: Database): Promise<number> {
    if (this.key !== null) return 0;
    return db.prisma.webhook.count({ where: { secret: { startsWith: SEALED } } });
  }
}

function isSealed(stored: string): boolean {
  return stored.startsWith(SEALED);
}

/** The secret `bytes` (IV, tag, ciphertext) seal under `key`, or null if this key did not seal them. */
function openWith(key: Buffer, bytes: Buffer): string | null {
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, IV_BYTES)).setAAD(AAD);
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}

/** A SECRETS_KEY as configured: 32 bytes written as 64 hex digits or as base64 (`openssl rand -base64 32`). */
export function parseSecretsKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (/^[0-9a-f]{64}$/i.test(trimmed)) return Buffer.from(trimmed, "hex");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return null;
  const bytes = Buffer.from(trimmed, "base64");
  return bytes.length === 32 ? bytes : null;
}
