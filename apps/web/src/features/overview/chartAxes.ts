/**
 * The history chart's axis labels. uPlot's defaults are US ("11:40pm", "12/5/26") and split a count
 * axis into 2.5s; the rest of the dashboard is en-GB, 24-hour, and counts devices in whole numbers.
 */
const clock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const clockSeconds = new Intl.DateTimeFormat("en-GB", {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});
const day = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short" });

function dayKey(d: Date): string {
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/**
 * Labels for time ticks (seconds since the epoch, local time like the rest of the page) `incr`
 * seconds apart: "23:40", with the date under the first tick and wherever the day changes
 * ("00:00\n6 Dec"); only the date when ticks are a day or more apart; seconds when under a minute.
 */
export function timeTickLabels(ticks: readonly number[], incr: number): string[] {
  let previous: string | undefined;
  return ticks.map((t) => {
    const d = new Date(t * 1000);
    const key = dayKey(d);
    const newDay = key !== previous;
    previous = key;
    if (incr >= 86_400) return day.format(d);
    const time = (incr < 60 ? clockSeconds : clock).format(d);
    return newDay ? `${time}\n${day.format(d)}` : time;
  });
}

/** Tick steps for a count axis: 1, 2, 5, 10, 20, 50… whole numbers only, so no "2.5 devices". */
export const COUNT_INCRS: number[] = Array.from({ length: 8 }, (_, i) => 10 ** i).flatMap((p) => [p, 2 * p, 5 * p]);
