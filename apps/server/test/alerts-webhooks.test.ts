import { createHmac } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { gql, startTestServer } from "./testkit.ts";

// Its own file: one app per process, and this one allows loopback targets (WEBHOOK_ALLOW_PRIVATE).
const CreateWebhook = gql<
  { createWebhook: { __typename: string; data?: { secret: string; webhook: { id: string } } } },
  { input: Record<string, unknown> }
>(`mutation CreateWebhook($input: WebhookInput!) {
  createWebhook(input: $input) { __typename ... on MutationCreateWebhookSuccess { data { secret webhook { id } } } }
}`);

const SECRETS_KEY = Buffer.alloc(32, 7).toString("base64");

describe("webhook delivery end to end (WEBHOOK_ALLOW_PRIVATE)", () => {
  it.each<{ sealed: boolean; env: Record<string, string> }>([
    { sealed: false, env: {} },
    { sealed: true, env: { SECRETS_KEY } },
  ])(
    "sendTestWebhook posts a signed test delivery that the receiver verifies (secret sealed: $sealed)",
    async ({ sealed, env }) => {
      const local = await startTestServer({
        hosts: 20,
        env: { WEBHOOK_ALLOW_PRIVATE: "true", WEBHOOK_RETRY_BASE_MS: "20", ...env },
      });
      const bodies: { body: string; signature: string; timestamp: string }[] = [];
      const receiver = createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => {
          body += c;
        });
        req.on("end", () => {
          bodies.push({
            body,
            signature: String(req.headers["enrollwatch-signature"]),
            timestamp: String(req.headers["enrollwatch-webhook-timestamp"]),
          });
          res.writeHead(204).end();
        });
      });
      receiver.listen(0, "127.0.0.1");
      await once(receiver, "listening");
      try {
        const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/in`;
        const { createWebhook } = await local.request(CreateWebhook, { input: { name: "local", url } });
        const { secret, webhook } = createWebhook.data ?? { secret: "", webhook: { id: "" } };
        // With SECRETS_KEY, the database holds the secret sealed: a copy of it cannot sign.
        const stored = await local.app.db.prisma.webhook.findUniqueOrThrow({ where: { id: webhook.id } });
        if (sealed) {
          expect(stored.secret).toMatch(/^v1:/);
          expect(stored.secret).not.toContain(secret);
        } else {
          expect(stored.secret).toBe(secret);
        }
        const sent = await local.request(
          gql<{ sendTestWebhook: { __typename: string; data?: { id: string; state: string } } }, { id: string }>(
            `mutation($id: ID!) { sendTestWebhook(id: $id) { __typename ... on MutationSendTestWebhookSuccess { data { id state } } } }`,
          ),
          { id: webhook.id },
        );
        const deliveryId = sent.sendTestWebhook.data?.id;
        const Log = gql<
          { webhookDeliveries: { data: { id: string; state: string; attempts: number; lastStatus: number | null }[] } },
          { id: string }
        >(
          `query($id: ID!) { webhookDeliveries(webhookId: $id) { ... on QueryWebhookDeliveriesSuccess { data { id state attempts lastStatus } } } }`,
        );
        const deadline = Date.now() + 10_000;
        let log = await local.request(Log, { id: webhook.id });
        while (log.webhookDeliveries.data[0]?.state !== "DELIVERED" && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
          log = await local.request(Log, { id: webhook.id });
        }
        expect(log.webhookDeliveries.data).toEqual([
          { id: deliveryId, state: "DELIVERED", attempts: 1, lastStatus: 204 },
        ]);
        const [got] = bodies;
        expect(got?.signature).toBe(
          `v1=${createHmac("sha256", secret).update(`${got?.timestamp}.${got?.body}`).digest("hex")}`,
        );
        expect(JSON.parse(got?.body ?? "{}")).toMatchObject({ id: deliveryId, type: "webhook.test" });
      } finally {
        receiver.closeAllConnections();
        receiver.close();
        await local.stop();
      }
    },
  );
});
