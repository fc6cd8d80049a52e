// By hand: a restart under N distinct watchers (watcher0..N-1 of Northwind Airways, added as live-connect-cost.sh adds them).
// Each connects as the pages' live.js does (negotiate, WebSockets, its back-off with the same spread) and reconnects for ever;
// every second the script prints how many are connected and how many starts were refused. Stop Portal and start it again
// meanwhile, and read the lines around it. Usage: node reconnect-storm.js PORTAL_NODE_MODULES BASE_URL [N]
// (the anonymous rate limit raised as live-connect-cost.sh raises it: the tokens come from /dev/token).
const [, , modules, base, count] = process.argv;
const signalR = require(`${modules}/@microsoft/signalr`);
const n = Number(count || 2000);
const spread = ms => ms / 2 + Math.random() * ms;
let connected = 0, refusals = 0;
(async () => {
  const tokens = [];
  for (let i = 0; i < n; i += 50) {
    tokens.push(...await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, k) =>
      fetch(`${base}/dev/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: `watcher${i + k}@northwindairways.example` }) })
        .then(r => r.json()).then(j => j.accessToken))));
  }
  for (const t of tokens) {
    // A token from the sign-in service whenever the client asks (the development key is made at start: a restarted server
    // refuses the old ones, where Entra's would still be good).
    const email = `watcher${tokens.indexOf(t)}@northwindairways.example`;
    const fresh = () => fetch(`${base}/dev/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email }) })
      .then(r => r.json()).then(j => j.accessToken);
    const c = new signalR.HubConnectionBuilder().withUrl(`${base}/hubs/status`, { accessTokenFactory: fresh })
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ctx => spread(Math.min(500 * 2 ** ctx.previousRetryCount, 10000)) })
      .configureLogging(signalR.LogLevel.None).build();
    c.onreconnecting(() => connected--);
    c.onreconnected(() => connected++);
    const start = () => c.start().then(() => connected++).catch(() => { refusals++; setTimeout(start, spread(5000)); });
    c.onclose(() => { connected--; setTimeout(start, spread(5000)); });
    await start();
  }
  const t0 = Date.now();
  setInterval(() => console.log(`${((Date.now() - t0) / 1000).toFixed(0)} s connected ${connected} refused ${refusals}`), 1000);
})();
