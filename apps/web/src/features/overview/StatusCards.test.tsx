// @vitest-environment node
import "../../test/dom.ts";
import "@testing-library/jest-dom/vitest";
import { fireEvent, render, within } from "@solidjs/testing-library";
import { describe, expect, it, vi } from "vitest";
import type { StatusSummary } from "../../lib/liveDocuments.ts";
import { StatusCards } from "./StatusCards.tsx";

const summary: StatusSummary = {
  total: 1200,
  counts: [
    { status: "ENROLLED", count: 1000 },
    { status: "PARTIALLY_ENROLLED", count: 100 },
    { status: "AGENT_INACTIVE", count: 40 },
    { status: "MDM_PROFILE_MISSING", count: 0 },
    { status: "OFFLINE", count: 59 },
    { status: "UNENROLLED", count: 1 },
  ],
};

// Queries go through document.body at call time: testing-library's `screen` is bound when its
// module loads, which can be before src/test/dom.ts has put the window in place.
const screen = {
  getAllByRole: (role: string) => within(document.body).getAllByRole(role),
};

function card(status: string) {
  return within(document.body).getByTestId(`card-${status}`);
}

describe("StatusCards", () => {
  it("shows one card per status with its count and share of the fleet", () => {
    render(() => <StatusCards summary={summary} onSelect={() => {}} />);
    expect(screen.getAllByRole("button")).toHaveLength(6);
    expect(within(card("ENROLLED")).getByTestId("count")).toHaveTextContent("1,000");
    expect(within(card("ENROLLED")).getByTestId("share")).toHaveTextContent("83.3%");
    expect(within(card("OFFLINE")).getByTestId("share")).toHaveTextContent("4.9%");
    expect(within(card("UNENROLLED")).getByTestId("share")).toHaveTextContent("0.1%");
    expect(within(card("MDM_PROFILE_MISSING")).getByTestId("count")).toHaveTextContent("0");
    // Words, not colour alone: the label is in the card and in its accessible name.
    expect(card("AGENT_INACTIVE")).toHaveTextContent("Agent inactive");
    expect(card("OFFLINE")).toHaveAccessibleName(/Offline: 59 devices, 4\.9% of the fleet/);
    expect(card("UNENROLLED")).toHaveAccessibleName(/Unenrolled: 1 device, 0\.1% of the fleet/);
  });

  it("shows 0% rather than NaN for an empty fleet, and placeholders while loading", () => {
    const { unmount } = render(() => (
      <StatusCards
        summary={{ total: 0, counts: summary.counts.map((c) => ({ ...c, count: 0 })) }}
        onSelect={() => {}}
      />
    ));
    expect(within(card("ENROLLED")).getByTestId("share")).toHaveTextContent("0.0%");
    unmount();
    render(() => <StatusCards summary={undefined} onSelect={() => {}} />);
    expect(within(card("ENROLLED")).queryByTestId("count")).toBeNull();
    expect(card("ENROLLED")).toHaveAccessibleName(/loading/);
  });

  it("shows the live change against the session's baseline", () => {
    const baseline = { at: Date.parse("2026-11-25T09:41:00Z"), counts: { ENROLLED: 1010, OFFLINE: 50, UNENROLLED: 1 } };
    render(() => <StatusCards summary={summary} baseline={baseline} onSelect={() => {}} />);
    expect(within(card("ENROLLED")).getByTestId("change")).toHaveTextContent(/^−10 since/);
    expect(within(card("OFFLINE")).getByTestId("change")).toHaveTextContent(/^\+9 since/);
    expect(within(card("UNENROLLED")).getByTestId("change")).toHaveTextContent(/^±0 since/);
    // No baseline for a status yet: no change shown rather than a made-up one.
    expect(within(card("AGENT_INACTIVE")).queryByTestId("change")).toBeNull();
  });

  it("filters the device list by the clicked card's status", () => {
    const onSelect = vi.fn();
    render(() => <StatusCards summary={summary} onSelect={onSelect} />);
    fireEvent.click(card("MDM_PROFILE_MISSING"));
    expect(onSelect).toHaveBeenCalledWith("MDM_PROFILE_MISSING");
    fireEvent.click(card("OFFLINE"));
    expect(onSelect).toHaveBeenLastCalledWith("OFFLINE");
  });
});
