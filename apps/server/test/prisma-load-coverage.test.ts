import { describe, expect, it } from "vitest";
import { loadCoversQuery } from "../src/graphql/schema/PrismaLoadCoverage.ts";
import { FEED_INCLUDE } from "../src/live/StatusEventFeed.ts";

describe("a live feed event answers a subscriber's selection without another read when", () => {
  const covered: [string, object][] = [
    ["it selects event columns only", {}],
    ["it includes the whole device", { include: { device: true } }],
    ["it selects device columns (select mode)", { include: { device: { select: { id: true, name: true } } } }],
    [
      "it selects the owner's columns too",
      { include: { device: { select: { id: true, owner: { select: { id: true, email: true } } } } } },
    ],
    ["it includes device and owner as the feed loads them", { include: { device: { include: { owner: true } } } }],
  ];
  it.each(covered)("%s", (_label, query) => {
    expect(loadCoversQuery("StatusEvent", FEED_INCLUDE, query)).toBe(true);
  });
});

describe("a live feed event needs its selection loaded from the database when", () => {
  const uncovered: [string, object][] = [
    ["it asks for the device's history", { include: { device: { select: { id: true, events: { take: 3 } } } } }],
    ["it asks for the device's alerts", { include: { device: { include: { alerts: true } } } }],
    ["it asks for the sync run", { include: { syncRun: true } }],
    ["it asks for a count", { include: { device: { select: { _count: { select: { events: true } } } } } }],
    ["it filters a relation", { include: { device: { where: { status: "OFFLINE" } } } }],
    ["it names a column the model does not have", { include: { device: { select: { nope: true } } } }],
    ["it goes past the owner", { include: { device: { select: { owner: { select: { devices: true } } } } } }],
  ];
  it.each(uncovered)("%s", (_label, query) => {
    expect(loadCoversQuery("StatusEvent", FEED_INCLUDE, query)).toBe(false);
  });
});
