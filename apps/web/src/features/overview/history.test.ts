// @vitest-environment node
import { describe, expect, it, vi } from "vitest";
import { LiveEventStore } from "../../lib/eventFeed.ts";
import type { LiveStatusEvent } from "../../lib/liveDocuments.ts";
import type { EnrollmentStatus } from "../../lib/status.ts";
import { createHistory, HISTORY_PAGE } from "./history.ts";

const transition = (seq: number, from: EnrollmentStatus | null, to: EnrollmentStatus) => ({
  seq: String(seq),
  at: "2026-11-25T10:00:00.000Z",
  from,
  to,
});
const live = (seq: number, from: EnrollmentStatus, to: EnrollmentStatus): LiveStatusEvent => ({
  ...transition(seq, from, to),
  device: {
    id: "d",
    name: "d",
    serial: null,
    platform: "darwin",
    team: null,
    status: to,
    statusSince: "",
    lastSeenAt: null,
  },
});

describe("createHistory", () => {
  it("replays from seq 0 page by page, seeds the live store, then follows live events and fills gaps", async () => {
    // 1500 devices appear (two pages), then one more transition exists on the server.
    const server = [
      ...Array.from({ length: 1500 }, (_, i) => transition(i + 1, null, "ENROLLED")),
      transition(1501, "ENROLLED", "OFFLINE"),
    ];
    const fetch = vi.fn(async (afterSeq: string, first: number) =>
      server.filter((e) => Number(e.seq) > Number(afterSeq)).slice(0, first),
    );
    const store = new LiveEventStore<LiveStatusEvent>(0);
    const history = createHistory(fetch, store, { redrawMs: 0 });
    history.start();
    await vi.waitFor(() => expect(history.progress().caughtUp).toBe(true));
    expect(fetch.mock.calls.map((c) => c[0])).toEqual(["0", String(HISTORY_PAGE)]);
    expect(history.series.counts()).toMatchObject({ ENROLLED: 1499, OFFLINE: 1 });
    expect(store.resumeAfter()).toBe("1501");

    // The next live event follows on: applied without a request.
    store.push(live(1502, "OFFLINE", "ENROLLED"));
    store.flush();
    expect(history.series.counts()).toMatchObject({ ENROLLED: 1500, OFFLINE: 0 });
    expect(fetch).toHaveBeenCalledTimes(2);

    // A gap (1503 never arrived live): the history fetches from where it stands.
    server.push(transition(1502, "OFFLINE", "ENROLLED"), transition(1503, "ENROLLED", "AGENT_INACTIVE"));
    server.push(transition(1504, "ENROLLED", "OFFLINE"));
    store.push(live(1504, "ENROLLED", "OFFLINE"));
    store.flush();
    await vi.waitFor(() => expect(history.series.lastSeq).toBe("1504"));
    expect(history.series.counts()).toMatchObject({ ENROLLED: 1498, AGENT_INACTIVE: 1, OFFLINE: 1 });
    history.dispose();
  });
});
