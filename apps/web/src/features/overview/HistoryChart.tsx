import "uplot/dist/uPlot.min.css";
import { createEffect, onCleanup, onMount, Show } from "solid-js";
import uPlot from "uplot";
import { formatCount, formatDateTime, plural } from "../../lib/format.ts";
import { STATUS_COLOURS, STATUS_INFO, STATUSES } from "../../lib/status.ts";
import { COUNT_INCRS, timeTickLabels } from "./chartAxes.ts";
import type { History } from "./history.ts";

/**
 * Counts per status over time (uPlot on a canvas). Enrolled devices dwarf the problem statuses, so
 * that series starts hidden; a click on a legend entry shows or hides a series. The cards above
 * carry the same numbers as text.
 */
const MIN_SPAN_S = 15 * 60;

export default function HistoryChart(props: { history: History }) {
  let host: HTMLDivElement | undefined;
  let plot: uPlot | undefined;

  onMount(() => {
    if (!host) return;
    props.history.start();
    const width = Math.max(320, host.clientWidth);
    plot = new uPlot(
      {
        width,
        height: 240,
        scales: {
          // At least the last 15 minutes, so a fresh install's single point does not span years.
          x: {
            time: true,
            // uPlot hands over nulls when it cannot range the data itself (a single point).
            range: (_u, min, max) => {
              const hi = max ?? Date.now() / 1000;
              return [Math.min(min ?? hi, hi - MIN_SPAN_S), hi];
            },
          },
        },
        axes: [
          {
            stroke: "#374151",
            grid: { stroke: "#e5e7eb" },
            // en-GB and 24-hour like every other time on the page, not uPlot's "11:40pm 12/5/26".
            values: (_u, ticks, _axis, _space, incr) => timeTickLabels(ticks, incr),
          },
          {
            stroke: "#374151",
            grid: { stroke: "#e5e7eb" },
            size: 64,
            // Devices come in whole numbers: no 2.5 or 7.5 ticks on a small fleet.
            incrs: COUNT_INCRS,
            values: (_u, ticks) => ticks.map((t) => formatCount(t)),
          },
        ],
        series: [
          {
            value: (_u: uPlot, v: number | null) =>
              v === null ? "—" : formatDateTime(new Date(v * 1000).toISOString()),
          },
          ...STATUSES.map((status) => ({
            label: STATUS_INFO[status].label,
            stroke: STATUS_COLOURS[status],
            width: 2,
            show: status !== "ENROLLED",
            value: (_u: uPlot, v: number | null) => (v === null ? "—" : formatCount(v)),
          })),
        ],
      },
      props.history.series.toColumns(),
      host,
    );
    const resize = new ResizeObserver(() => {
      if (host && plot) plot.setSize({ width: Math.max(320, host.clientWidth), height: 240 });
    });
    resize.observe(host);
    onCleanup(() => {
      resize.disconnect();
      plot?.destroy();
      plot = undefined;
    });
  });

  createEffect(() => {
    props.history.version();
    const columns = props.history.series.toColumns();
    plot?.setData(columns);
    // The plotted span, readable by tests (the canvas itself is not).
    host?.setAttribute("data-points", String(columns[0].length));
    host?.setAttribute("data-x-range", `${plot?.scales.x?.min ?? ""}..${plot?.scales.x?.max ?? ""}`);
  });

  const progress = () => props.history.progress();
  return (
    <figure class="chart" aria-labelledby="chart-title">
      <figcaption id="chart-title" class="chart-caption">
        <span>Devices per status over time</span>
        <Show when={!progress().caughtUp}>
          <span class="muted" role="status">
            {" "}
            — replaying history… {plural(progress().loaded, "event")}
          </span>
        </Show>
        <Show when={progress().error}>
          <span class="error-text"> — history unavailable: {progress().error}</span>
        </Show>
      </figcaption>
      <div ref={host} class="chart-host" />
    </figure>
  );
}
