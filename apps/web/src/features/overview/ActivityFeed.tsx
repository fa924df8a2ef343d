import { A } from "@solidjs/router";
import { For, Show } from "solid-js";
import { StatusBadge } from "../../components/StatusBadge.tsx";
import { formatTime } from "../../lib/format.ts";
import type { LiveStatusEvent } from "../../lib/liveDocuments.ts";
import { deviceHref } from "../devices/DeviceTable.tsx";

/** The latest transitions as they arrive. Not announced: at a thousand a second that would be noise. */
export function ActivityFeed(props: { events: LiveStatusEvent[] }) {
  return (
    <section class="panel" aria-labelledby="activity-title">
      <h2 id="activity-title">Live transitions</h2>
      <Show
        when={props.events.length > 0}
        fallback={<p class="muted">No transitions since you opened the dashboard. They appear here as they happen.</p>}
      >
        <ol class="activity" role="log" aria-live="off" data-testid="activity">
          <For each={props.events}>
            {(event) => (
              <li data-seq={event.seq} data-device-id={event.device.id}>
                <time datetime={event.at} class="muted">
                  {formatTime(event.at)}
                </time>
                <A href={deviceHref(event.device.id)} class="activity-device">
                  {event.device.name}
                </A>
                <span class="activity-change">
                  <Show when={event.from} fallback={<span class="muted">new</span>}>
                    {(from) => <StatusBadge status={from()} class="small" />}
                  </Show>
                  <span aria-hidden="true"> → </span>
                  <span class="sr-only">to</span>
                  <StatusBadge status={event.to} class="small" />
                </span>
              </li>
            )}
          </For>
        </ol>
      </Show>
    </section>
  );
}
