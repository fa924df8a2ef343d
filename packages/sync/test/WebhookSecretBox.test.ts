import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../db/src/testing.ts";
import { parseSecretsKey, WebhookSecretBox, WebhookSecretError } from "../src/alerts/WebhookSecretBox.ts";

const key = randomBytes(32);
const secret = "whsec_0123456789abcdef0123456789abcdef";

describe("WebhookSecretBox", () => {
  it("seals a secret so that the stored value gives nothing away, and opens it again", () => {
    const box = new WebhookSecretBox(key);
    const stored = box.seal(secret);
    expect(stored).toMatch(/^v1:/);
    expect(stored).not.toContain(secret);
    // A fresh IV each time: the same secret never looks the same twice.
    expect(box.seal(secret)).not.toBe(stored);
    expect(box.open(stored)).toBe(secret);
  });

  it("refuses a sealed secret it cannot open: another key, an altered value, no key", () => {
    const stored = new WebhookSecretBox(key).seal(secret);
    expect(() => new WebhookSecretBox(randomBytes(32)).open(stored)).toThrow(/another key, or altered/);
    const bytes = Buffer.from(stored.slice(3), "base64");
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    expect(() => new WebhookSecretBox(key).open(`v1:${bytes.toString("base64")}`)).toThrow(WebhookSecretError);
    expect(() => new WebhookSecretBox(null).open(stored)).toThrow(/SECRETS_KEY is not set/);
  });

  it("without a key stores secrets as given, and reads the ones stored before a key was set", () => {
    expect(new WebhookSecretBox(null).seal(secret)).toBe(secret);
    expect(new WebhookSecretBox(key).open(secret)).toBe(secret);
  });

  it.each([
    [key.toString("base64"), true],
    [key.toString("hex"), true],
    [key.toString("base64url"), true],
    [randomBytes(16).toString("base64"), false],
    ["not a key at all", false],
  ])("reads SECRETS_KEY %s: %s", (text, ok) => {
    expect(parseSecretsKey(text) !== null).toBe(ok);
  });
});

describe("sealing the secrets stored in clear", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase("pglite");
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("seals every clear secret once, leaves sealed ones alone, and keeps each readable", async () => {
    const box = new WebhookSecretBox(key);
    await t.db.prisma.webhook.createMany({
      data: [
        { name: "old", url: "https://a.example.com/in", secret: "clear-one-0123456789", events: ["OPENED"] },
        { name: "old2", url: "https://b.example.com/in", secret: "clear-two-0123456789", events: ["OPENED"] },
        { name: "new", url: "https://c.example.com/in", secret: box.seal("sealed-0123456789"), events: ["OPENED"] },
      ],
    });
    expect(await new WebhookSecretBox(null).unopenable(t.db)).toBe(1);
    // Two instances starting at once: each row is sealed by one of them.
    const counts = await Promise.all([box.sealStored(t.db), box.sealStored(t.db)]);
    expect(counts[0] + counts[1]).toBe(2);
    expect(await box.sealStored(t.db)).toBe(0);
    const rows = await t.db.prisma.webhook.findMany({ orderBy: { name: "asc" } });
    expect(rows.every((r) => r.secret.startsWith("v1:"))).toBe(true);
    expect(rows.map((r) => box.open(r.secret))).toEqual([
      "sealed-0123456789",
      "clear-one-0123456789",
      "clear-two-0123456789",
    ]);
  });

  it("changes the key: opens what the previous key sealed, and seals it anew so the old key can go", async () => {
    const newKey = randomBytes(32);
    const rotating = new WebhookSecretBox(newKey, [key]);
    const expected = ["sealed-0123456789", "clear-one-0123456789", "clear-two-0123456789"];
    const before = await t.db.prisma.webhook.findMany({ orderBy: { name: "asc" } });
    expect(before.map((r) => rotating.open(r.secret))).toEqual(expected);
    expect(await rotating.sealStored(t.db)).toBe(3);
    expect(await rotating.sealStored(t.db)).toBe(0);
    const after = await t.db.prisma.webhook.findMany({ orderBy: { name: "asc" } });
    expect(after.map((r) => new WebhookSecretBox(newKey).open(r.secret))).toEqual(expected);
    expect(() => new WebhookSecretBox(key).open(after[0]?.secret ?? "")).toThrow(/another key/);
  });
});
