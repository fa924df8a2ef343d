import { For, Show } from "solid-js";
import type { Baseline } from "../../app/liveData.ts";
import { formatCount, formatShare, formatTime, plural, signed } from "../../lib/format.ts";
import type { StatusSummary } from "../../lib/liveDocuments.ts";
import { type EnrollmentStatus, STATUS_INFO, STATUSES } from "../../lib/status.ts";

/**
 * One card per status, in the article's order: count, share of the fleet and the change since the
 * dashboard was opened. A card is a button: it opens the device list filtered to that status.
 */
export function StatusCards(props: {
  summary: StatusSummary | undefined;
  baseline?: Baseline | undefined;
  onSelect(status: EnrollmentStatus): void;
}) {
  const count = (status: EnrollmentStatus) => props.summary?.counts.find((c) => c.status === status)?.count ?? 0;
  const total = () => props.summary?.total ?? 0;
  return (
    <ul class="status-cards" aria-label="Devices per status">
      <For each={STATUSES}>
        {(status) => {
          const info = STATUS_INFO[status];
          const change = () => {
            const before = props.baseline?.counts[status];
            return before === undefined ? undefined : count(status) - before;
          };
          return (
            <li>
              <button
                type="button"
                class={`status-card status-${info.tone}`}
                data-testid={`card-${status}`}
                onClick={() => props.onSelect(status)}
                aria-label={`${info.label}: ${props.summary ? `${plural(count(status), "device")}, ${formatShare(count(status), total())} of the fleet` : "loading"}. Show these devices.`}
              >
                <span class="card-title">
                  <span aria-hidden="true" class="badge-symbol">
                    {info.symbol}
                  </span>
                  {info.label}
                </span>
                <Show when={props.summary} fallback={<span class="card-count skeleton">—</span>}>
                  <span class="card-count" data-testid="count">
                    {formatCount(count(status))}
                  </span>
                  <span class="card-share" data-testid="share">
                    {formatShare(count(status), total())}
                  </span>
                </Show>
                <span class="card-meaning">{info.meaning}</span>
                <Show when={change() !== undefined && props.baseline}>
                  {(b) => (
                    <span
                      class={`card-change ${(change() ?? 0) > 0 ? "up" : (change() ?? 0) < 0 ? "down" : ""}`}
                      data-testid="change"
                    >
                      {signed(change() ?? 0)} since {formatTime(b().at)}
                    </span>
                  )}
                </Show>
              </button>
            </li>
          );
        }}
      </For>
    </ul>
  );
}
