// Burn-down charts drawn with uPlot. A page marks a chart with <div data-burndown> holding its points as
// <script type="application/json">{"points":[{"at":unixSeconds,"total":n,"completed":n,"done":n,...}]}</script>
// (data, not code). Inside a live region the server renders fresh points and live.js swaps the region
// in, then raises "portal:refreshed": every chart not yet drawn is drawn again.
(() => {
  "use strict";

  const MinimumSpanSeconds = 600;
  // Whole minutes and up between ticks, and every time in UTC as the rest of Portal writes it ("14 Dec 09:00 UTC"): uPlot
  // alone ticks every 30 s, writes the browser's local time on a 12-hour clock, and runs its labels into one another.
  const TickSeconds = [60, 120, 300, 600, 900, 1800, 3600, 7200, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400];
  const Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = n => String(n).padStart(2, "0");
  const time = s => { const d = new Date(s * 1000); return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`; };
  const day = s => { const d = new Date(s * 1000); return `${d.getUTCDate()} ${Months[d.getUTCMonth()]}`; };
  const tick = (s, step) => step >= 86400 || time(s) === "00:00" ? day(s) : time(s);
  // The legend reads the point under the pointer, and with the pointer off the chart the last one (now): what is left and
  // what was restored at a glance, where uPlot alone writes "--".
  const atPointer = (u, value, series, index) => (index == null ? u.data[series].at(-1) : value);

  // The chart runs to now: the counts change only with a new point, so the last one holds until now, and a flat line to the
  // right edge shows how long nothing moved, which an axis ending at the last change hides.
  function toNow(points) {
    const last = points[points.length - 1];
    const now = Math.floor(Date.now() / 1000);
    const drawn = now > last.at ? [...points, { ...last, at: now }] : points;
    return [drawn.map(p => p.at), drawn.map(p => p.total - p.completed), drawn.map(p => p.done ?? p.completed)];
  }
  // A page left open (a wall screen, a customer watching through the night) keeps running to now: each minute the flat line
  // is drawn on to the present, or it would stop where the page was loaded and say nothing moved for less time than it has.
  const charts = new Map(); // host → { chart, points }
  function runOnToNow() {
    if (document.hidden) return;
    for (const [host, { chart, points }] of charts) {
      // A chart zoomed into (a drag across it) keeps its window; one showing the whole span runs on to now.
      const [xs] = chart.data, x = chart.scales.x;
      if (host.isConnected) chart.setData(toNow(points), !(x.min > xs[0] || x.max < xs.at(-1)));
      else { chart.destroy(); charts.delete(host); } // swapped out by a refresh, drawn again in its replacement
    }
  }
  setInterval(runOnToNow, 60_000);
  document.addEventListener("visibilitychange", runOnToNow);

  function draw(host) {
    if (host.dataset.drawn === "1" || !window.uPlot) return;
    const source = host.querySelector("script[type='application/json']");
    if (!source) return;
    const points = JSON.parse(source.textContent).points;
    host.dataset.drawn = "1";
    host.dataset.points = String(points.length);
    if (points.length === 0) return;
    // What the last point says, for readers (and tests) that cannot look at a canvas; changes in one second share a point.
    // "Remaining" is work left; "Done" is what was restored: devices found not to need it are neither (the counts above say the same).
    const last = points[points.length - 1];
    host.dataset.remaining = String(last.total - last.completed);
    host.dataset.done = String(last.done ?? last.completed);
    const chart = new uPlot({
      width: Math.max(320, host.clientWidth || 640),
      height: 220,
      // At least ten minutes from the first point: a fresh incident has one point (or a few within minutes); uPlot labels a
      // span of seconds in milliseconds, and gives one point 86,400,000 s (a day's worth of milliseconds, read as seconds).
      // The span drawn (Unix seconds) goes in data-from and data-to, for the same readers as above.
      scales: { x: { time: true, range: (u, min, max) => [min, u.data[0].length === 1 ? min + MinimumSpanSeconds : Math.max(max, min + MinimumSpanSeconds)] } },
      axes: [{ space: 60, incrs: TickSeconds, values: (u, splits, axis, space, step) => splits.map(s => tick(s, step)) }, {}],
      series: [
        { value: (u, v, s, i) => `${day(atPointer(u, v, s, i))} ${time(atPointer(u, v, s, i))} UTC` },
        { label: "Remaining", stroke: "#b3261e", width: 2, value: (u, v, s, i) => String(atPointer(u, v, s, i)) },
        { label: "Done", stroke: "#1b6e3a", width: 2, value: (u, v, s, i) => String(atPointer(u, v, s, i)) },
      ],
      hooks: { setScale: [(u, key) => { if (key === "x") { host.dataset.from = String(u.scales.x.min); host.dataset.to = String(u.scales.x.max); } }] },
    }, toNow(points), host);
    charts.set(host, { chart, points });
  }

  function drawAll() { document.querySelectorAll("[data-burndown]").forEach(draw); }

  document.addEventListener("portal:refreshed", drawAll);
  drawAll();
})();
