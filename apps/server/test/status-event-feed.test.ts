import { openTestDatabase, type TestDatabase } from "@enrollwatch/db/testing";
import type { EnrollwatchTopics } from "@enrollwatch/sync";
import { createPubSub } from "graphql-yoga";
import { afterAll, beforeAll, expect, it } from "vitest";
import { installDatabase, uninstallDatabase } from "../src/db.ts";
import { type FeedEvent, StatusEventFeed } from "../src/live/StatusEventFeed.ts";

let t: TestDatabase;
let deviceId: string;
beforeAll(async () => {
  t = await openTestDatabase("postgres");
  installDatabase(t.db);
  const device = await t.db.prisma.device.create({
    data: { fleetHostId: 1, name: "feed test", platform: "darwin", status: "ENROLLED", statusSince: new Date() },
  });
  deviceId = device.id;
});
afterAll(async () => {
  uninstallDatabase(t.db);
  await t?.dispose();
});

it("hands every committed event to its listeners exactly once, in order, while commits race its reads", async () => {
  const pubsub = createPubSub<EnrollwatchTopics>();
  const feed = new StatusEventFeed(pubsub);
  const received: bigint[] = [];
  const attachment = await feed.attach((events: FeedEvent[]) => {
    for (const event of events) received.push(event.seq);
  });
  // Many small commits, each signalled at once, so signals arrive while the feed is reading.
  let total = 0;
  for (let batch = 0; batch < 60; batch++) {
    const size = 1 + (batch % 7);
    const rows = await t.db.prisma.$transaction(
      Array.from({ length: size }, () => t.db.prisma.statusEvent.create({ data: { deviceId, to: "OFFLINE" } })),
    );
    total += size;
    pubsub.publish("statusEvents", { upToSeq: String(rows.at(-1)?.seq) });
    if (batch % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  for (let i = 0; i < 100 && received.length < total; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(received).toHaveLength(total);
  expect(new Set(received).size).toBe(total);
  expect(received.every((s, i) => i === 0 || s > (received[i - 1] ?? 0n))).toBe(true);
  attachment.detach();
  feed.close();
});
