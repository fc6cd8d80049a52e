// Burn-down charts drawn with uPlot. A page marks a chart with <div data-burndown> holding its points as
// <script type="application/json">{"points":[{"at":unixSeconds,"total":n,"completed":n,"done":n,...}]}</script>
// (data, not code). Inside a live region the server renders fresh points and live.js swaps the region
// in, then raises "portal:refreshed": every chart not yet drawn is drawn again.
(() => {
  "use strict";

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
    const xs = points.map(p => p.at);
    const remaining = points.map(p => p.total - p.completed);
    const done = points.map(p => p.done ?? p.completed);
    new uPlot({
      width: Math.max(320, host.clientWidth || 640),
      height: 220,
      scales: { x: { time: true } },
      series: [
        {},
        { label: "Remaining", stroke: "#b3261e", width: 2 },
        { label: "Done", stroke: "#1b6e3a", width: 2 },
      ],
    }, [xs, remaining, done], host);
  }

  function drawAll() { document.querySelectorAll("[data-burndown]").forEach(draw); }

  document.addEventListener("portal:refreshed", drawAll);
  drawAll();
})();
