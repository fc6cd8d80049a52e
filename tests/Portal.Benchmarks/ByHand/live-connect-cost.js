// The client side of live-connect-cost.sh: N distinct watchers (watcher0..N-1 of Northwind Airways), each with a token of its
// own and one hub connection (negotiate, then WebSockets, as a browser's live.js connects). It prints a line when each phase is
// done and waits for the shell to create the next phase's file, so the shell can read the server's CPU around each phase.
const fs = require('fs');
const [, , modules, base, count, work] = process.argv;
const signalR = require(`${modules}/@microsoft/signalr`);
const n = Number(count);
const next = name => new Promise(resolve => {
  const poll = setInterval(() => { if (fs.existsSync(`${work}/${name}`)) { clearInterval(poll); resolve(); } }, 100);
});
const inFifties = async (items, action) => { for (let i = 0; i < items.length; i += 50) await Promise.all(items.slice(i, i + 50).map(action)); };
(async () => {
  const tokens = [];
  await inFifties([...Array(n).keys()], async i => {
    const answer = await fetch(`${base}/dev/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: `watcher${i}@northwindairways.example` }) });
    tokens[i] = (await answer.json()).accessToken;
  });
  console.log('phase tokens'); await next('connect');
  const connections = tokens.map(t => new signalR.HubConnectionBuilder().withUrl(`${base}/hubs/status`, { accessTokenFactory: () => t })
    .configureLogging(signalR.LogLevel.None).build());
  let started = Date.now();
  await inFifties(connections, c => c.start());
  console.log(`phase connect ${Date.now() - started}`); await next('idle');
  console.log('phase idle'); await next('again');
  started = Date.now();
  await inFifties(connections, c => c.stop());
  await inFifties(connections, c => c.start());
  console.log(`phase again ${Date.now() - started}`);
  await inFifties(connections, c => c.stop());
  process.exit(0);
})().catch(e => { console.error(e); process.exit(1); });
