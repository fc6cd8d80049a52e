// The hub side of large-msp-access.sh: engineers engineer2..engineer21 of the large MSP (tokens already minted, their access
// cached by the /api/v1/me before) each open one hub connection, one after another, as the page's live.js does; prints each
// connect's milliseconds, then creates WORK/connected and keeps the connections open until WORK/done exists.
const fs = require('fs');
const [, , modules, base, work] = process.argv;
const signalR = require(`${modules}/@microsoft/signalr`);
(async () => {
  const tokens = fs.readFileSync(`${work}/tokens`, 'utf8').trim().split('\n');
  const times = [];
  for (const token of tokens) {
    const connection = new signalR.HubConnectionBuilder().withUrl(`${base}/hubs/status`, { accessTokenFactory: () => token })
      .configureLogging(signalR.LogLevel.None).build();
    const started = Date.now();
    await connection.start();
    times.push(Date.now() - started);
  }
  console.log(times.join('\n'));
  fs.writeFileSync(`${work}/connected`, '');
  while (!fs.existsSync(`${work}/done`)) await new Promise(resolve => setTimeout(resolve, 200));
  process.exit(0);
})().catch(e => { console.error(e); process.exit(1); });
