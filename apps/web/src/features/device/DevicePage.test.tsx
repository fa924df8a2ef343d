// @vitest-environment node
import "../../test/dom.ts";
import "@testing-library/jest-dom/vitest";
import { MemoryRouter, Route } from "@solidjs/router";
import { render, waitFor, within } from "@solidjs/testing-library";
import { describe, expect, it } from "vitest";
import { Activity, activityWords, MessagesTable } from "./DevicePage.tsx";
import type { ActivityEntry, OutboundMessage } from "./documents.ts";

function message(id: string, state: string, lastError: string | null = null): OutboundMessage {
  return {
    id,
    kind: "MACOS_PROFILE_GUIDE",
    recipient: "ada@example.com",
    subject: "Reinstall the MDM profile",
    state,
    attempts: state === "SENT" ? 1 : 0,
    lastError,
    createdAt: "2026-12-05T23:41:51Z",
    sentAt: state === "SENT" ? "2026-12-05T23:41:53Z" : null,
  };
}

function sent(messageId: string): ActivityEntry {
  return {
    id: `entry-${messageId}`,
    actor: "admin",
    action: "device.sendRemediation",
    at: "2026-12-05T23:41:51Z",
    after: JSON.stringify({ kind: "MACOS_PROFILE_GUIDE", messageId, recipient: "ada@example.com" }),
  };
}

const body = () => within(document.body);

describe("device activity", () => {
  it("says a message was sent only when its delivery says so", () => {
    const messages = [message("m1", "UNSENT", "No SMTP server is configured (SMTP_URL)."), message("m2", "SENT")];
    expect(activityWords(sent("m1"), messages)).toBe("Message to the owner queued, not sent (no SMTP server)");
    expect(activityWords(sent("m2"), messages)).toBe("Message sent to the owner");
    // Older than the messages the page loaded: only the queueing is known.
    expect(activityWords(sent("m9"), messages)).toBe("Message to the owner queued");
  });

  it("dates entries with the dashboard's formatter", async () => {
    render(() => (
      <MemoryRouter>
        <Route
          path="/"
          component={() => <Activity deviceId="d1" entries={[sent("m1")]} messages={[message("m1", "UNSENT")]} />}
        />
      </MemoryRouter>
    ));
    const time = await waitFor(() => body().getByTestId("device-activity").querySelector("time"));
    // The same formatter as every other date on the page: "5 Dec 2026, 23:41" in en-GB, local time.
    expect(time?.textContent).toMatch(/^\d{1,2} Dec 2026, \d{2}:\d{2}$/);
  });
});

describe("MessagesTable", () => {
  it("explains an unsent message once, and scrolls inside its own box", () => {
    render(() => <MessagesTable messages={[message("m1", "UNSENT", "No SMTP server is configured (SMTP_URL).")]} />);
    expect(body().getAllByText(/No SMTP server is configured/)).toHaveLength(1);
    expect(body().getByText(/the message stays in the outbox/)).toBeInTheDocument();
    expect(body().getByTestId("messages-scroll")).toHaveClass("table-scroll");
  });

  it("still shows a failed message's error", () => {
    render(() => <MessagesTable messages={[message("m1", "FAILED", "550 mailbox unavailable")]} />);
    expect(body().getByText("550 mailbox unavailable")).toBeInTheDocument();
  });
});
