import { A, useParams } from "@solidjs/router";
import { createQuery } from "@urql/solid";
import { createMemo, createSignal, For, onCleanup, Show } from "solid-js";
import { useApp, useIsAdmin } from "../../app/context.ts";
import { Notice } from "../../components/Notice.tsx";
import { StatusBadge } from "../../components/StatusBadge.tsx";
import { formatDateTime, formatRelative } from "../../lib/format.ts";
import { platformLabel, STATUS_INFO } from "../../lib/status.ts";
import { DeviceAlerts } from "../alerts/DeviceAlerts.tsx";
import { DeviceActions } from "./DeviceActions.tsx";
import {
  type ActivityEntry,
  type DeviceDetail,
  DeviceDetailQuery,
  DeviceHistoryQuery,
  type HistoryEvent,
  type OutboundMessage,
  type Problem,
} from "./documents.ts";

const HISTORY_PAGE = 20;

function isDevice(node: { __typename: string } | null | undefined): node is DeviceDetail {
  return node?.__typename === "Device";
}

/** Route ids are Relay ids (base64, may hold "/" or "+"): links encode them, this decodes. */
function decodeId(raw: string | undefined): string {
  try {
    return decodeURIComponent(raw ?? "");
  } catch {
    return raw ?? "";
  }
}

/**
 * Whether a route id can name a device at all ("Device:<uuid>" in base64). The server refuses any
 * other as an invalid global id, an error the reader of a mistyped or truncated address should see
 * as what it is: no such device.
 */
function canBeDeviceId(id: string): boolean {
  try {
    return /^Device:[0-9a-f-]{36}$/i.test(atob(id));
  } catch {
    return false;
  }
}

export function WhyThisStatus(props: { status: DeviceDetail["status"]; problems: Problem[] }) {
  return (
    <section class="panel" aria-labelledby="why-title" data-testid="why">
      <h2 id="why-title">Why this status?</h2>
      <Show
        when={props.problems.length > 0}
        fallback={<p>Nothing to do: the agent is reporting and MDM is on where the platform uses it.</p>}
      >
        <For each={props.problems}>
          {(problem, i) => (
            <article class="problem" data-testid="problem">
              <h3>
                <StatusBadge status={problem.status} />
                <span class="muted"> {i() === 0 ? "— the reason for the current status" : "— also detected"}</span>
              </h3>
              <p class="muted">{STATUS_INFO[problem.status].meaning}.</p>
              <h4>Possible causes</h4>
              <ul class="causes">
                <For each={problem.causes}>
                  {(cause) => (
                    <li classList={{ likely: cause.likely }} data-likely={cause.likely ? "true" : undefined}>
                      <Show when={cause.likely}>
                        <span class="tag likely-tag">Likely</span>{" "}
                      </Show>
                      {cause.text}
                    </li>
                  )}
                </For>
              </ul>
              <h4>What to do</h4>
              <p class="remediation" data-testid="remediation">
                {problem.remediation.text}
              </p>
            </article>
          )}
        </For>
      </Show>
    </section>
  );
}

const ACTIVITY_WORDS: Record<string, string> = {
  "device.unenroll": "Unenrolled",
  "employee.visit": "Owner opened their enrolment page",
  "employee.checkAgain": "Owner asked to check again",
};

/** What became of a message, in words: the audit entry records that it was queued, not that it left. */
const MESSAGE_WORDS: Record<string, string> = {
  SENT: "Message sent to the owner",
  PENDING: "Message to the owner queued, not sent yet",
  FAILED: "Message to the owner could not be sent",
  UNSENT: "Message to the owner queued, not sent (no SMTP server)",
};

function messageIdOf(entry: ActivityEntry): string | undefined {
  if (!entry.after) return undefined;
  try {
    const details: unknown = JSON.parse(entry.after);
    if (typeof details === "object" && details !== null && "messageId" in details) {
      return typeof details.messageId === "string" ? details.messageId : undefined;
    }
  } catch {
    // Not JSON: an entry without details.
  }
  return undefined;
}

export function activityWords(entry: ActivityEntry, messages: readonly OutboundMessage[]): string {
  if (entry.action === "device.sendRemediation") {
    const id = messageIdOf(entry);
    const message = id === undefined ? undefined : messages.find((m) => m.id === id);
    // Older than the page's latest messages: all that is known is that it was queued.
    return message ? (MESSAGE_WORDS[message.state] ?? "Message to the owner queued") : "Message to the owner queued";
  }
  return ACTIVITY_WORDS[entry.action] ?? entry.action;
}

export function Activity(props: { deviceId: string; entries: ActivityEntry[]; messages: OutboundMessage[] }) {
  return (
    <section class="panel" aria-labelledby="activity-title" data-testid="device-activity">
      <h2 id="activity-title">Activity</h2>
      <p class="small">
        <A href={`/audit?${new URLSearchParams({ target: props.deviceId })}`} data-testid="device-audit-link">
          All of it in the audit log
        </A>
      </p>
      <Show when={props.entries.length > 0} fallback={<p class="muted">Nothing yet.</p>}>
        <ul class="activity-list">
          <For each={props.entries}>
            {(entry) => (
              <li>
                <time datetime={entry.at}>{formatDateTime(entry.at)}</time> — {activityWords(entry, props.messages)}{" "}
                <span class="muted small">({entry.actor})</span>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </section>
  );
}

function Timeline(props: { events: HistoryEvent[]; hasMore: boolean; loadingMore: boolean; onMore(): void }) {
  return (
    <section class="panel" aria-labelledby="timeline-title" data-testid="timeline">
      <h2 id="timeline-title">Status timeline</h2>
      <Show when={props.events.length > 0} fallback={<p class="muted">No transitions recorded.</p>}>
        <ol class="timeline">
          <For each={props.events}>
            {(event) => (
              <li data-seq={event.seq}>
                <time datetime={event.at}>{formatDateTime(event.at)}</time>
                <span class="timeline-change">
                  <Show when={event.from} fallback={<span class="muted">first seen as</span>}>
                    {(from) => <StatusBadge status={from()} class="small" />}
                  </Show>
                  <span aria-hidden="true"> → </span>
                  <span class="sr-only">to</span>
                  <StatusBadge status={event.to} class="small" />
                </span>
                <Show when={event.causes.some((c) => c.likely)}>
                  <span class="muted timeline-causes">
                    {event.causes
                      .filter((c) => c.likely)
                      .map((c) => c.text)
                      .join(" ")}
                  </span>
                </Show>
              </li>
            )}
          </For>
        </ol>
        <Show when={props.hasMore}>
          <button type="button" class="button" onClick={() => props.onMore()} disabled={props.loadingMore}>
            {props.loadingMore ? "Loading…" : "Show older transitions"}
          </button>
        </Show>
      </Show>
    </section>
  );
}

export function MessagesTable(props: { messages: OutboundMessage[] }) {
  return (
    <Show when={props.messages.length > 0} fallback={<p class="muted">No messages.</p>}>
      {/* Four columns of addresses and subjects are wider than the side column: they scroll here,
          not the page. */}
      <div class="table-scroll" data-testid="messages-scroll">
        <table class="data-table">
          <thead>
            <tr>
              <th scope="col">Queued</th>
              <th scope="col">Message</th>
              <th scope="col">To</th>
              <th scope="col">Delivery</th>
            </tr>
          </thead>
          <tbody>
            <For each={props.messages}>
              {(m) => (
                <tr data-kind={m.kind}>
                  <td>{formatDateTime(m.createdAt)}</td>
                  <td>{m.subject}</td>
                  <td>{m.recipient}</td>
                  <td>
                    <span class={`badge ${deliveryTone(m.state)}`}>{m.state}</span>
                    <Show when={m.sentAt}>{(at) => <span class="muted"> {formatDateTime(at())}</span>}</Show>
                    {/* An UNSENT message's lastError is always "No SMTP server is configured (SMTP_URL).":
                      said once, with what it means, instead of twice. */}
                    <Show
                      when={m.state === "UNSENT"}
                      fallback={<Show when={m.lastError}>{(e) => <div class="error-text small">{e()}</div>}</Show>}
                    >
                      <div class="muted small">
                        No SMTP server is configured (SMTP_URL): the message stays in the outbox.
                      </div>
                    </Show>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
    </Show>
  );
}

function deliveryTone(state: string): string {
  return state === "SENT"
    ? "status-ok"
    : state === "FAILED"
      ? "status-bad"
      : state === "PENDING"
        ? "status-info"
        : "status-muted";
}

export default function DevicePage() {
  const params = useParams();
  const { live, now } = useApp();
  const isAdmin = useIsAdmin();
  const id = () => decodeId(params.id);
  const [result, reexecute] = createQuery({
    query: DeviceDetailQuery,
    variables: () => ({ id: id(), historyFirst: HISTORY_PAGE }),
  });
  const device = createMemo(() => {
    const node = result.data?.node;
    return isDevice(node) ? node : undefined;
  });

  // Older history pages, appended under the first page that the query keeps fresh.
  const [older, setOlder] = createSignal<HistoryEvent[]>([]);
  const [olderCursor, setOlderCursor] = createSignal<string | null>(null);
  const [loadingMore, setLoadingMore] = createSignal(false);
  const history = () => [...(device()?.history.edges.map((e) => e.node) ?? []), ...older()];
  const hasMore = () =>
    olderCursor() === null ? (device()?.history.pageInfo.hasNextPage ?? false) : olderCursor() !== "";
  const loadMore = async () => {
    const cursor = olderCursor() ?? device()?.history.pageInfo.endCursor;
    if (!cursor) return;
    setLoadingMore(true);
    const r = await live.urql.query(DeviceHistoryQuery, { id: id(), first: 50, after: cursor }).toPromise();
    setLoadingMore(false);
    const node = r.data?.node;
    if (node && "history" in node) {
      setOlder((o) => [...o, ...node.history.edges.map((e) => e.node)]);
      setOlderCursor(node.history.pageInfo.hasNextPage ? (node.history.pageInfo.endCursor ?? "") : "");
    }
  };

  const refresh = () => {
    setOlder([]);
    setOlderCursor(null);
    reexecute({ requestPolicy: "network-only" });
  };
  // A live transition of this device refreshes the page (at most every half second).
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = live.events.listen((batch) => {
    if (refreshTimer || !batch.some((e) => e.device.id === id())) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      refresh();
    }, 500);
  });
  onCleanup(() => {
    stop();
    clearTimeout(refreshTimer);
  });

  return (
    <div class="page device-page">
      <p>
        <A href="/devices">← All devices</A>
      </p>
      <Show when={canBeDeviceId(id()) && result.error}>
        {(e) => <Notice kind="error">Could not load the device: {e().message}</Notice>}
      </Show>
      {/* The server answers null for a device that does not exist (deleted, or an old link). */}
      <Show when={!canBeDeviceId(id()) || (!result.fetching && !result.error && result.data && !device())}>
        <Notice kind="error" testid="no-such-device">
          No such device. <A href="/devices">Back to the devices list</A>
        </Notice>
      </Show>
      <Show
        when={device()}
        fallback={
          <Show when={result.fetching}>
            <p class="muted">Loading…</p>
          </Show>
        }
      >
        {(d) => (
          <>
            <div class="device-head">
              <h1>{d().name}</h1>
              <p class="device-status" data-testid="device-status">
                <StatusBadge status={d().status} /> since {formatDateTime(d().statusSince)}{" "}
                <span class="muted">({formatRelative(d().statusSince, now())})</span>
              </p>
            </div>
            <div class="device-grid">
              <div class="device-main">
                <WhyThisStatus status={d().status} problems={d().problems} />
                <Show when={isAdmin()}>
                  <DeviceActions device={d()} onDone={refresh} />
                </Show>
                <DeviceAlerts deviceId={d().id} />
              </div>
              <section class="panel" aria-labelledby="facts-title">
                <h2 id="facts-title">Fleet facts</h2>
                <dl class="facts" data-testid="facts">
                  <dt>Owner</dt>
                  <dd>
                    {d().owner
                      ? d().owner?.name
                        ? `${d().owner?.name} · ${d().owner?.email}`
                        : d().owner?.email
                      : "No owner in Fleet"}
                  </dd>
                  <dt>Platform</dt>
                  <dd>{platformLabel(d().platform)}</dd>
                  <dt>OS version</dt>
                  <dd>{d().osVersion ?? "—"}</dd>
                  <dt>Team</dt>
                  <dd>{d().team ?? "No team"}</dd>
                  <dt>Serial</dt>
                  <dd class="mono">{d().serial ?? "—"}</dd>
                  <dt>Last seen</dt>
                  <dd>
                    {formatDateTime(d().lastSeenAt)}{" "}
                    <span class="muted">({formatRelative(d().lastSeenAt, now())})</span>
                  </dd>
                  <dt>Agent data</dt>
                  <dd>
                    {formatDateTime(d().agentDataAt)}{" "}
                    <span class="muted">({formatRelative(d().agentDataAt, now())})</span>
                  </dd>
                  <dt>MDM enrolment</dt>
                  <dd>{d().mdmEnrollment ?? "—"}</dd>
                  <dt>Fleet host id</dt>
                  <dd class="mono">{d().fleetHostId}</dd>
                  <Show when={d().missingFromFleetAt}>
                    {(at) => (
                      <>
                        <dt>Missing from Fleet</dt>
                        <dd>since {formatDateTime(at())}</dd>
                      </>
                    )}
                  </Show>
                </dl>
              </section>
            </div>
            <div class="device-grid">
              <Timeline events={history()} hasMore={hasMore()} loadingMore={loadingMore()} onMore={loadMore} />
              <section class="panel" aria-labelledby="messages-title" data-testid="device-messages">
                <h2 id="messages-title">Messages to the owner</h2>
                <MessagesTable messages={result.data?.outboundMessages ?? []} />
              </section>
              <Show when={device()}>
                {(d) => (
                  <Activity deviceId={d().id} entries={d().activity} messages={result.data?.outboundMessages ?? []} />
                )}
              </Show>
            </div>
          </>
        )}
      </Show>
    </div>
  );
}
