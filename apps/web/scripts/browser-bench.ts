/**
 * `npx tsx apps/web/scripts/browser-bench.ts [--hosts 100000] [--bursts 3] [--fraction 0.01]`
 *
 * Measures the production build in headless Chromium against a real server with a simulated fleet:
 *  - overview: first contentful paint, and the first paint with the status counts in (cold and warm);
 *  - devices table: time until the first rows are on screen and the page is idle (interactive);
 *  - live transitions while the table scrolls: arrival rate at the browser, long tasks (> 50 ms and
 *    the longest), then whether the cards are exact once the burst is over.
 * Numbers are printed as a table; nothing is asserted (see the report in the README for targets).
 */
import { parseArgs } from "node:util";
import type { Page } from "playwright-core";
import { ADMIN_TOKEN, gql, SyncNow, startTestServer } from "../../server/test/testkit.ts";
import { ensureBuilt, launchBrowser } from "../e2e/support.ts";

const { values } = parseArgs({
  options: {
    hosts: { type: "string", default: "100000" },
    bursts: { type: "string", default: "3" },
    fraction: { type: "string", default: "0.01" },
    "scroll-seconds": { type: "string", default: "10" },
  },
});
const HOSTS = Number(values.hosts);
const BURSTS = Number(values.bursts);
const FRACTION = Number(values.fraction);
const SCROLL_SECONDS = Number(values["scroll-seconds"]);

/** Installed before any page script: long tasks, paints and the moment the counts appear. */
const INSTRUMENT = `
  window.__bench = { longtasks: [], frames: [], lcp: 0, countsAt: null, rowsAt: null };
  // Long animation frames name the scripts that ran in them: what a long task was spent on.
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.duration < 50) continue;
      window.__bench.frames.push({
        start: e.startTime,
        duration: e.duration,
        blocking: e.blockingDuration,
        scripts: (e.scripts || []).map((x) => ({
          invoker: x.invoker,
          fn: x.sourceFunctionName,
          src: (x.sourceURL || "").split("/").pop(),
          duration: Math.round(x.duration),
        })),
      });
    }
  }).observe({ type: "long-animation-frame", buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__bench.longtasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: "longtask", buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__bench.lcp = e.startTime;
  }).observe({ type: "largest-contentful-paint", buffered: true });
  const seen = () => {
    if (window.__bench.countsAt === null && document.querySelector('[data-testid="card-ENROLLED"] [data-testid="count"]')) {
      // The frame after the DOM change is when it is painted.
      requestAnimationFrame(() => { window.__bench.countsAt = performance.now(); });
      window.__bench.countsAt = -1;
    }
    if (window.__bench.rowsAt === null && document.querySelector("tr[data-device-id]")) {
      requestAnimationFrame(() => { window.__bench.rowsAt = performance.now(); });
      window.__bench.rowsAt = -1;
    }
  };
  new MutationObserver(seen).observe(document, { subtree: true, childList: true });
`;

interface LongFrame {
  start: number;
  duration: number;
  blocking: number;
  scripts: { invoker: string; fn: string; src: string; duration: number }[];
}

interface BenchState {
  longtasks: { start: number; duration: number }[];
  frames: LongFrame[];
  lcp: number;
  countsAt: number | null;
  rowsAt: number | null;
}

const rows: [string, string, string][] = [];
function report(figure: string, value: string, target = "") {
  rows.push([figure, value, target]);
  console.error(`  ${figure}: ${value}`);
}
const ms = (n: number | null | undefined) => (n === null || n === undefined ? "—" : `${Math.round(n)} ms`);

async function state(page: Page): Promise<BenchState> {
  return page.evaluate(() => (window as unknown as { __bench: BenchState }).__bench);
}

async function waitFor(page: Page, key: "countsAt" | "rowsAt"): Promise<number> {
  await page.waitForFunction((k) => {
    const v = (window as unknown as { __bench: BenchState }).__bench[k];
    return v !== null && v > 0;
  }, key);
  return (await state(page))[key] ?? Number.NaN;
}

async function fcp(page: Page): Promise<number | undefined> {
  return page.evaluate(
    () => performance.getEntriesByType("paint").find((e) => e.name === "first-contentful-paint")?.startTime,
  );
}

/** Waits until no long task has started for `quietMs`; returns when the page went quiet. */
async function idleAfter(page: Page, quietMs = 500): Promise<number> {
  for (;;) {
    const before = await page.evaluate(() => performance.now());
    await page.waitForTimeout(quietMs);
    const s = await state(page);
    const recent = s.longtasks.filter((t) => t.start + t.duration > before);
    if (recent.length === 0) {
      const last = s.longtasks.at(-1);
      return last ? last.start + last.duration : 0;
    }
  }
}

const Summary = gql<{ statusSummary: { counts: { status: string; count: number }[] } }>(
  "{ statusSummary { counts { status count } } }",
);

await ensureBuilt();
console.error(`starting a server with ${HOSTS} simulated hosts…`);
let t = performance.now();
const server = await startTestServer({ hosts: HOSTS });
await server.request(SyncNow);
report(`server start + first full sync (${HOSTS} hosts)`, ms(performance.now() - t));
const sim = server.app.runtime.sim;
if (!sim) throw new Error("no simulator");

const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(INSTRUMENT);
  await context.addInitScript(`sessionStorage.setItem("enrollwatch.token", ${JSON.stringify(ADMIN_TOKEN)});`);

  // ---- overview, cold (nothing cached) and warm (reload: hashed assets come from the cache) ----
  const page = await context.newPage();
  await page.goto(server.url);
  const coldCounts = await waitFor(page, "countsAt");
  report("overview cold: first contentful paint", ms(await fcp(page)));
  report("overview cold: counts painted", ms(coldCounts), "< 1000 ms");
  await page.reload();
  const warmCounts = await waitFor(page, "countsAt");
  report("overview warm: first contentful paint", ms(await fcp(page)));
  report("overview warm: counts painted", ms(warmCounts), "< 1000 ms");
  // The chart replays every event (HISTORY off the critical path): how long, and any long task.
  t = performance.now();
  await page.getByText("replaying history").waitFor({ state: "detached", timeout: 180_000 });
  report(`overview: chart history replayed (${HOSTS}+ events)`, ms(performance.now() - t));
  const overviewTasks = (await state(page)).longtasks;
  report(
    "overview load + replay: long tasks > 50 ms (count, longest)",
    `${overviewTasks.length}, ${ms(Math.max(0, ...overviewTasks.map((x) => x.duration)))}`,
  );

  // ---- devices table: a fresh load of /devices ----
  await page.goto(`${server.url}/devices`);
  const firstRows = await waitFor(page, "rowsAt");
  const idle = await idleAfter(page);
  report("devices: first rows painted", ms(firstRows));
  report("devices: interactive (rows in, last long task over)", ms(Math.max(firstRows, idle)), "< 1500 ms");
  const totalText = await page.getByTestId("result-line").textContent();
  report("devices: list", totalText ?? "");

  // ---- live transitions while scrolling ----
  let frames = 0;
  const arrivals: number[] = [];
  page.on("websocket", (ws) =>
    ws.on("framereceived", (f) => {
      if (typeof f.payload === "string" && f.payload.includes('"statusEvents"')) arrivals.push(Date.now());
    }),
  );
  // The socket was opened before the listener: reload /devices so its frames are seen.
  await page.reload();
  await waitFor(page, "rowsAt");
  await idleAfter(page);
  // A string, not a function: tsx would add helpers (__name) the page does not have.
  await page.evaluate(`(() => {
    const bench = window.__bench;
    bench.longtasks = [];
    bench.frames = [];
    bench.scrolling = true;
    bench.scrollFrames = 0;
    const scroller = document.querySelector(".table-scroll");
    const step = () => {
      if (!bench.scrolling || !scroller) return;
      scroller.scrollTop += 90;
      bench.scrollFrames += 1;
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  })()`);
  const burstStart = Date.now();
  let transitions = 0;
  for (let i = 0; i < BURSTS; i++) {
    sim.model.mutate(FRACTION);
    const result = await server.request(SyncNow);
    if (result.syncNow.__typename === "MutationSyncNowSuccess" && "data" in result.syncNow) {
      transitions += result.syncNow.data.transitions;
    }
  }
  // Let the last events arrive: until all came, or nothing came for 3 s.
  for (let quiet = 0; quiet < 3_000 && arrivals.length < transitions; ) {
    const before = arrivals.length;
    await page.waitForTimeout(500);
    quiet = arrivals.length === before ? quiet + 500 : 0;
  }
  const minimumEnd = burstStart + SCROLL_SECONDS * 1000;
  if (Date.now() < minimumEnd) await page.waitForTimeout(minimumEnd - Date.now());
  const scrolled = await page.evaluate(() => {
    const bench = (window as unknown as { __bench: BenchState & { scrolling?: boolean; scrollFrames?: number } })
      .__bench;
    bench.scrolling = false;
    return { frames: bench.scrollFrames ?? 0, longtasks: bench.longtasks, longFrames: bench.frames };
  });
  frames = scrolled.frames;
  const seconds = (Date.now() - burstStart) / 1000;
  // Arrival rate: the busiest second.
  const perSecond = new Map<number, number>();
  for (const at of arrivals) perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
  const peak = Math.max(0, ...perSecond.values());
  report(`burst: transitions produced (${BURSTS} syncs of ${FRACTION * 100}% changes)`, String(transitions));
  report("burst: events received by the browser", String(arrivals.length));
  report("burst: peak arrival rate", `${peak} events/s`, "1000/s");
  report(
    "burst: scroll frames while receiving",
    `${frames} in ${seconds.toFixed(1)} s (${(frames / seconds).toFixed(0)} fps)`,
  );
  const longest = Math.max(0, ...scrolled.longtasks.map((x) => x.duration));
  report(
    "burst: long tasks > 50 ms while scrolling (count, longest)",
    `${scrolled.longtasks.length}, ${ms(longest)}`,
    "none > 100 ms",
  );
  // Where the long frames went: script time by entry point, against the frames' total.
  const byScript = new Map<string, number>();
  let scriptTotal = 0;
  let frameTotal = 0;
  for (const f of scrolled.longFrames) {
    frameTotal += f.duration;
    for (const x of f.scripts) {
      const key = `${x.invoker} ${x.fn || ""} (${x.src})`.trim();
      byScript.set(key, (byScript.get(key) ?? 0) + x.duration);
      scriptTotal += x.duration;
    }
  }
  report(
    "burst: long animation frames (count, script time / frame time)",
    `${scrolled.longFrames.length}, ${ms(scriptTotal)} / ${ms(frameTotal)}`,
  );
  for (const [key, total] of [...byScript].sort((a, b) => b[1] - a[1]).slice(0, 5)) {
    console.error(`    ${ms(total).padStart(8)}  ${key}`);
  }

  // ---- counts exact after the burst (client-side navigation: the live data stays) ----
  await page.getByRole("link", { name: "Overview", exact: true }).click();
  await page.getByTestId("card-ENROLLED").getByTestId("count").waitFor();
  const expected = Object.fromEntries(
    (await server.request(Summary)).statusSummary.counts.map((c) => [c.status, c.count]),
  );
  let exact = false;
  const deadline = Date.now() + 5_000;
  let shown: Record<string, number> = {};
  while (Date.now() < deadline) {
    shown = {};
    for (const s of Object.keys(expected)) {
      const text = await page.getByTestId(`card-${s}`).getByTestId("count").textContent();
      shown[s] = Number((text ?? "").replaceAll(",", ""));
    }
    if (JSON.stringify(shown) === JSON.stringify(expected)) {
      exact = true;
      break;
    }
    await page.waitForTimeout(250);
  }
  report("after the burst: cards equal the server's statusSummary", exact ? "yes" : `NO ${JSON.stringify(shown)}`);
} finally {
  await browser.close();
  await server.stop();
}

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`\nEnrollwatch dashboard, headless Chromium, ${HOSTS} devices\n`);
for (const [figure, value, target] of rows) {
  console.log(`${figure.padEnd(width)}  ${value.padEnd(28)}  ${target}`);
}
