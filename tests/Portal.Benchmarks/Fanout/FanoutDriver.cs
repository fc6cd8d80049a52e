using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Portal.Benchmarks.Fanout;

/// <param name="Rounds">A B B A rounds: each is four runs, bare hub, Portal, Portal, bare hub.</param>
/// <param name="ChangesPerTenant">Changes each tenant gets in one run (one pass = one change per tenant, one at a time).</param>
public sealed record FanoutOptions(Uri Portal, Uri Bare, int Clients, int Rounds, int ChangesPerTenant, TimeSpan Gap, TimeSpan DeliveryTimeout, int Batch, int Warmup,
    string? OutFile, bool TokenPerConnection, bool BareWrites = false)
{
    public const string Usage =
        "Portal.Benchmarks fanout --portal URL --bare URL --clients N [--abba-rounds R] [--changes-per-tenant C] [--gap-ms MS] [--timeout-s S] [--batch B] " +
        "[--warmup W] [--tokens per-connection|per-user] [--bare-writes] [--out FILE]";

    public static FanoutOptions? Parse(string[] args, TextWriter error)
    {
        Uri? portal = null, bare = null;
        int clients = 0, rounds = 3, changesPerTenant = 10, batch = 100, warmup = 100;
        double gapMs = 200, timeoutS = 15;
        string? outFile = null;
        var tokenPerConnection = true;
        var bareWrites = false;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--portal" when value is not null: portal = new Uri(value.TrimEnd('/') + "/"); i++; break;
                case "--bare" when value is not null: bare = new Uri(value.TrimEnd('/') + "/"); i++; break;
                case "--clients" when value is not null: clients = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--abba-rounds" when value is not null: rounds = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--changes-per-tenant" when value is not null: changesPerTenant = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--gap-ms" when value is not null: gapMs = double.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--timeout-s" when value is not null: timeoutS = double.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--batch" when value is not null: batch = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--warmup" when value is not null: warmup = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--out" when value is not null: outFile = Path.GetFullPath(value); i++; break;
                case "--tokens" when value is "per-connection" or "per-user": tokenPerConnection = value == "per-connection"; i++; break;
                // The bare path first writes the note's rows with the raw driver (RawNoteWriter): a diagnostic baseline, not the bar's.
                case "--bare-writes": bareWrites = true; break;
                default:
                    error.WriteLine($"Unknown argument '{args[i]}'. Usage: {Usage}");
                    return null;
            }
        }
        if (portal is null || bare is null || clients < 10 || rounds < 1 || changesPerTenant < 1 || batch < 1)
        {
            error.WriteLine($"Usage: {Usage} (--clients at least 10)");
            return null;
        }
        return new FanoutOptions(portal, bare, clients, rounds, changesPerTenant, TimeSpan.FromMilliseconds(gapMs), TimeSpan.FromSeconds(timeoutS), batch, Math.Min(warmup, clients), outFile,
            tokenPerConnection, bareWrites);
    }
}

/// <summary>
/// The fan-out load driver, a process of its own: N Portal connections (bearer tokens of demo users, the
/// server decides their groups) and N bare-hub connections in the same groups, then A B B A rounds of runs; a run
/// is passes of one change per tenant, each change timed from just before the request to its receipt at every
/// connection that should get it.
/// See docs/benchmarks.md, scenario 2.
/// </summary>
public static class FanoutDriver
{
    /// <summary>The customer users of the five demo tenants (Northwind Airways has two).</summary>
    public static readonly string[] CustomerEmails =
    [
        "olivia@northwindairways.example", "noah@northwindairways.example", "emma@fabrikamhealth.example",
        "lucas@tailspin.example", "hana@woodgrovebank.example", "felix@alpineskihouse.example",
    ];

    /// <summary>The MSP engineers: Maya (Harbor IT: NWA, FAB, TSL) and Ines (Bluepeak: WGB, ASH).</summary>
    public static readonly string[] MspEmails = ["maya@harborit.example", "ines@bluepeak.example"];

    /// <summary>Warm-up passes per path (one change per tenant each): 10 passes = 50 changes through each path's code.</summary>
    private const int WarmupPasses = 10;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = FanoutOptions.Parse(args, Console.Error);
        if (options is null) return 64;
        var output = new StringBuilder();
        try
        {
            using var run = new Run(options, output);
            await run.ExecuteAsync();
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or JsonException or TimeoutException or IOException
            or System.Net.WebSockets.WebSocketException or Microsoft.AspNetCore.SignalR.HubException)
        {
            await Console.Error.WriteLineAsync($"fanout: {e.GetType().Name}: {e.Message}");
            return 2;
        }
        if (options.OutFile is { } file) await File.WriteAllTextAsync(file, output.ToString());
        return 0;
    }

    /// <summary>A user the connections act as: their token and the groups the server gave them (from StatusHub.MyGroups).</summary>
    private sealed record Audience(string Email, string Token, bool IsMsp, IReadOnlyList<string> Groups, IReadOnlySet<Guid> Tenants);

    /// <summary>A tenant that gets one change per round: the incident the note goes on and the MSP engineer who writes it.</summary>
    private sealed record Target(Guid TenantId, string Name, Guid IncidentId, Audience Writer);

    private sealed class Run(FanoutOptions options, StringBuilder output) : IDisposable
    {
        private readonly HttpClient _portal = new(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { BaseAddress = options.Portal, Timeout = TimeSpan.FromSeconds(60) };
        private readonly HttpClient _bare = new(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { BaseAddress = options.Bare, Timeout = TimeSpan.FromSeconds(60) };
        private int _nextChange;

        public async Task ExecuteAsync()
        {
            var watch = Stopwatch.StartNew();
            Say($"fan-out: {options.Clients} clients per path; {options.Rounds} A B B A rounds (A = bare hub{(options.BareWrites ? " after a raw write of the note's rows" : "")}, B = Portal), " +
                $"{options.ChangesPerTenant} changes per tenant in each run");

            // 1. Who is who, decided by Portal: tokens, tenants, and each user's groups from a real connection.
            var audiences = await AudiencesAsync();
            var targets = await TargetsAsync(audiences);
            var (fullBytes, customerBytes) = await CaptureAsync(audiences, targets);
            var assignment = Assign(audiences, options.Clients);
            var expected = targets.Select(t => assignment.Select(a => a.Tenants.Contains(t.TenantId)).ToArray()).ToArray();
            var perChange = expected.Select(e => e.Count(x => x)).ToArray();
            Say($"  {targets.Count} tenants; {assignment.Count(a => !a.IsMsp)} customer and {assignment.Count(a => a.IsMsp)} MSP connections per path; " +
                $"each change reaches {string.Join("/", perChange)} of them; payload {fullBytes} bytes (MSP stream), {customerBytes} bytes (customer stream)");
            // Each Portal connection its own token (a user per browser tab, as in production), or one per demo user.
            var portalAssignment = options.TokenPerConnection ? await WithOwnTokensAsync(assignment) : assignment;
            Emit("tokens", portalAssignment.Select(a => a.Token).Distinct().Count());
            Emit("meta", options.Clients, assignment.Count(a => !a.IsMsp), assignment.Count(a => a.IsMsp), targets.Count, perChange.Sum(), fullBytes, customerBytes,
                options.ChangesPerTenant, options.Gap.TotalMilliseconds, options.Rounds, options.BareWrites ? "bare+write" : "bare");

            // 2. Warm-up outside the measurement: connect a few of each, enough changes each that the change path's
            //    methods reach tiered JIT's optimised code (30 calls, then compiled in the background), disconnect.
            //    With two passes Portal's first measured run still ran partly unoptimised code (p50 18 ms against 12 ms).
            if (options.Warmup > 0)
            {
                var warmAssignment = Assign(audiences, options.Warmup);
                var warmExpected = targets.Select(t => warmAssignment.Select(a => a.Tenants.Contains(t.TenantId)).ToArray()).ToArray();
                await using var warmBare = await ClientSet.ConnectAsync("bare", warmAssignment, BareConnection, options.Batch);
                await using var warmPortal = await ClientSet.ConnectAsync("portal", warmAssignment, PortalConnection, options.Batch);
                for (var pass = 0; pass < WarmupPasses; pass++)
                {
                    await PassAsync(warmBare, targets, warmExpected, BareChangeAsync, null);
                    await PassAsync(warmPortal, targets, warmExpected, PortalChangeAsync, null);
                }
                await Task.Delay(TimeSpan.FromSeconds(2)); // let the background JIT finish
            }
            await WaitForConnectionsAsync(0, 0);

            // 3. Memory: before, after N bare connections, after N Portal connections (both stay open for the runs).
            var before = await MemoryAsync("before");
            var connectWatch = Stopwatch.StartNew();
            await using var bare = await ClientSet.ConnectAsync("bare", assignment, BareConnection, options.Batch);
            var bareConnect = connectWatch.Elapsed;
            await WaitForConnectionsAsync(0, options.Clients);
            var afterBare = await MemoryAsync("after-bare");
            connectWatch.Restart();
            await using var portal = await ClientSet.ConnectAsync("portal", portalAssignment, PortalConnection, options.Batch);
            var portalConnect = connectWatch.Elapsed;
            await WaitForConnectionsAsync(options.Clients, options.Clients);
            var afterPortal = await MemoryAsync("after-portal");
            Say($"  connected {options.Clients} bare in {bareConnect.TotalSeconds:0.0} s, {options.Clients} Portal in {portalConnect.TotalSeconds:0.0} s");
            Emit("connect", "bare", bareConnect.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));
            Emit("connect", "portal", portalConnect.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));

            // 4. A run's worth of unmeasured passes per path with everybody connected, alternating, then the A B B A rounds.
            // One pass was not enough: the first measured run (always the bare hub's) carried the first collections after the
            // connections (at 1,000 clients on eight hosts: GC pauses 15-29 ms in it against 7-15 ms in the round's last bare
            // run, p99 21-35 ms against 8-16 ms), which favoured Portal.
            for (var pass = 0; pass < options.ChangesPerTenant; pass++)
            {
                await PassAsync(bare, targets, expected, BareChangeAsync, null);
                await PassAsync(portal, targets, expected, PortalChangeAsync, null);
            }
            var lateBefore = new Dictionary<string, int> { ["bare"] = bare.Late, ["portal"] = portal.Late };
            var dbBefore = await PortalDbCommandsAsync();
            var runs = new List<(int Index, int Round, string Path, RunResult Result)>();
            string[] order = ["bare", "portal", "portal", "bare"];
            for (var round = 1; round <= options.Rounds; round++)
            {
                foreach (var path in order)
                {
                    var set = path == "bare" ? bare : portal;
                    var result = new RunResult();
                    var late = set.Late;
                    var gcBefore = await GcAsync();
                    for (var pass = 0; pass < options.ChangesPerTenant; pass++)
                    {
                        await PassAsync(set, targets, expected, path == "bare" ? BareChangeAsync : PortalChangeAsync, result);
                    }
                    result.Late = set.Late - late;
                    Say($"  round {round} run {runs.Count + 1} {path,-6}: {result.Describe()}; {(await GcAsync()).Since(gcBefore)}");
                    runs.Add((runs.Count + 1, round, path, result));
                }
            }
            var dbCommands = await PortalDbCommandsAsync() - dbBefore;
            // Anything still arriving after the last change (late or duplicate) must be seen too.
            await Task.Delay(options.Gap + TimeSpan.FromMilliseconds(500));

            // 5. Where the time went: from the server's mark (Portal: commit; bare: send start) to each receipt.
            var marks = await MarksAsync();
            foreach (var (index, round, path, result) in runs)
            {
                var fromMark = result.FromMarks(marks);
                Emit("run", index, round, path, result.Changes, result.Expected, result.Delivered, result.Unexpected, result.Late, result.FailedChanges,
                    Ms(result.Percentile(0.50)), Ms(result.Percentile(0.99)), Ms(result.Max), Ms(result.ApiPercentile(0.50)),
                    Ms(RunResult.NearestRank(fromMark, 0.50)), Ms(RunResult.NearestRank(fromMark, 0.99)));
            }
            var portalChanges = runs.Where(r => r.Path == "portal").Sum(r => r.Result.Changes);
            Emit("db", portalChanges, dbCommands);
            Say($"  Portal issued {dbCommands} database commands for {portalChanges} changes ({(double)dbCommands / Math.Max(1, portalChanges):0.0} per change)");
            foreach (var (name, set) in new[] { ("bare", bare), ("portal", portal) })
            {
                var result = new RunResult();
                foreach (var run in runs.Where(r => r.Path == name)) result.Add(run.Result);
                var fromMark = result.FromMarks(marks);
                var closed = set.Closed;
                var memoryBefore = name == "bare" ? before : afterBare;
                var memoryAfter = name == "bare" ? afterBare : afterPortal;
                var managedKb = (memoryAfter.ManagedBytes - memoryBefore.ManagedBytes) / 1024.0 / options.Clients;
                var workingSetKb = (memoryAfter.WorkingSetBytes - memoryBefore.WorkingSetBytes) / 1024.0 / options.Clients;
                Say($"  {name,-6} overall: {result.Describe()}; sent to the server's mark p50 {RunResult.NearestRank(result.ToMarks(marks), 0.5):0.00} ms; from the server's mark p50 {RunResult.NearestRank(fromMark, 0.5):0.00} ms, " +
                    $"p99 {RunResult.NearestRank(fromMark, 0.99):0.00} ms ({result.Marked(marks)} of {result.Changes} changes marked); {closed} connections closed; " +
                    $"server memory per connection: {managedKb:0.0} KB managed, {workingSetKb:0.0} KB working set");
                Emit("path", name, result.Changes, result.Expected, result.Delivered, result.Unexpected, set.Late - lateBefore[name], result.FailedChanges,
                    Ms(result.Percentile(0.50)), Ms(result.Percentile(0.99)), Ms(result.Max), Ms(result.ApiPercentile(0.50)),
                    managedKb.ToString("0.0", CultureInfo.InvariantCulture), workingSetKb.ToString("0.0", CultureInfo.InvariantCulture), closed,
                    Ms(RunResult.NearestRank(fromMark, 0.50)), Ms(RunResult.NearestRank(fromMark, 0.99)), result.Marked(marks));
            }
            Say($"fan-out with {options.Clients} clients done in {watch.Elapsed.TotalSeconds:0} s");
        }

        // --- setup ---------------------------------------------------------------------------------------------

        private async Task<List<Audience>> AudiencesAsync()
        {
            var audiences = new List<Audience>();
            foreach (var email in CustomerEmails.Concat(MspEmails))
            {
                using var response = await _portal.PostAsJsonAsync("dev/token", new { email });
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException($"POST /dev/token for {email} answered {(int)response.StatusCode} (is Portal running in Development with its demo data?)");
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var token = body.RootElement.GetProperty("accessToken").GetString()!;

                // The groups the server puts this user in, asked of the server over a real connection.
                await using var probe = PortalConnection(new Audience(email, token, false, [], new HashSet<Guid>()));
                await probe.StartAsync();
                var groups = await probe.InvokeAsync<List<string>>("MyGroups");
                var tenants = new HashSet<Guid>();
                var isMsp = false;
                foreach (var group in groups)
                {
                    var parts = group.Split(':');
                    if (parts.Length == 3 && parts[0] == "tenant" && Guid.TryParseExact(parts[1], "N", out var tenant))
                    {
                        tenants.Add(tenant);
                        isMsp |= parts[2] == "full";
                    }
                }
                if (tenants.Count == 0) throw new InvalidOperationException($"{email} is in no tenant group (MyGroups: {string.Join(", ", groups)}).");
                audiences.Add(new Audience(email, token, isMsp, groups, tenants));
            }
            return audiences;
        }

        private async Task<List<Target>> TargetsAsync(List<Audience> audiences)
        {
            var targets = new List<Target>();
            foreach (var customer in audiences.Where(a => !a.IsMsp))
            {
                var tenantId = customer.Tenants.Single();
                if (targets.Any(t => t.TenantId == tenantId)) continue;
                using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/tenants/{tenantId}/status");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", customer.Token);
                using var response = await _portal.SendAsync(request);
                response.EnsureSuccessStatusCode();
                using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var incident = status.RootElement.GetProperty("incidents").EnumerateArray().FirstOrDefault();
                if (incident.ValueKind != JsonValueKind.Object) throw new InvalidOperationException($"Tenant {tenantId} shows no incident to change.");
                var name = status.RootElement.GetProperty("tenantName").GetString() ?? "";
                var writer = audiences.FirstOrDefault(a => a.IsMsp && a.Tenants.Contains(tenantId))
                    ?? throw new InvalidOperationException($"No MSP engineer among {string.Join(", ", MspEmails)} manages tenant {tenantId}.");
                targets.Add(new Target(tenantId, name, incident.GetProperty("id").GetGuid(), writer));
            }
            return targets;
        }

        /// <summary>
        /// One real change per tenant through Portal, received by one MSP and one customer connection: those
        /// exact events become the bare hub's payloads (the bare server answers how long it will serialise them).
        /// </summary>
        private async Task<(int FullBytes, int CustomerBytes)> CaptureAsync(List<Audience> audiences, List<Target> targets)
        {
            int fullBytes = 0, customerBytes = 0;
            foreach (var target in targets)
            {
                var customer = audiences.First(a => !a.IsMsp && a.Tenants.Contains(target.TenantId));
                var id = Interlocked.Increment(ref _nextChange);
                var captured = new JsonElement?[2];
                await using var mspConnection = PortalConnection(target.Writer);
                await using var customerConnection = PortalConnection(customer);
                using var both = new CountdownEvent(2);
                foreach (var (connection, slot) in new[] { (mspConnection, 0), (customerConnection, 1) })
                {
                    connection.On<JsonElement>(FanoutProtocol.Method, payload =>
                    {
                        if (FanoutProtocol.ChangeId(payload) == id && captured[slot] is null)
                        {
                            captured[slot] = payload.Clone();
                            both.Signal();
                        }
                    });
                    await connection.StartAsync();
                }
                var status = await PostNoteAsync(target, id);
                if (status != 201) throw new InvalidOperationException($"The capture change in {target.TenantId} answered {status}, not 201.");
                var deadline = DateTime.UtcNow + options.DeliveryTimeout;
                while (!both.IsSet && DateTime.UtcNow < deadline) await Task.Delay(10);
                if (!both.IsSet) throw new TimeoutException($"Portal's event for the capture change in {target.TenantId} did not arrive at both the MSP and the customer connection.");

                var body = $"{{\"full\":{captured[0]!.Value.GetRawText()},\"customer\":{captured[1]!.Value.GetRawText()}}}";
                using var response = await _bare.PostAsync($"bench/bare-payload?tenant={target.TenantId}", new StringContent(body, Encoding.UTF8, "application/json"));
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST /bench/bare-payload answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                using var sizes = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                fullBytes = sizes.RootElement.GetProperty("fullBytes").GetInt32();
                customerBytes = sizes.RootElement.GetProperty("customerBytes").GetInt32();
                var portalFull = Encoding.UTF8.GetByteCount(captured[0]!.Value.GetRawText());
                var portalCustomer = Encoding.UTF8.GetByteCount(captured[1]!.Value.GetRawText());
                if (portalFull != fullBytes || portalCustomer != customerBytes)
                    throw new InvalidOperationException($"The bare payloads ({fullBytes}/{customerBytes} bytes) differ in size from Portal's ({portalFull}/{portalCustomer}).");
            }
            return (fullBytes, customerBytes);
        }

        /// <summary>The same users, each connection with a distinct token of its user (minted by the server with Portal's development token service).</summary>
        private async Task<List<Audience>> WithOwnTokensAsync(List<Audience> assignment)
        {
            var tokens = new Dictionary<string, Queue<string>>();
            foreach (var group in assignment.GroupBy(a => a.Email))
            {
                using var response = await _bare.PostAsJsonAsync("bench/tokens", new TokenRequest(group.First().Token, group.Count()));
                response.EnsureSuccessStatusCode();
                tokens[group.Key] = new Queue<string>(await response.Content.ReadFromJsonAsync<string[]>() ?? []);
            }
            return [.. assignment.Select(a => a with { Token = tokens[a.Email].Dequeue() })];
        }

        /// <summary>
        /// Who each of N connections is: every fifth an MSP engineer (20 %, alternating between them), the
        /// others customers (80 %), spread evenly over the tenants and over a tenant's customer users.
        /// Interleaved, so the first W connections (the warm-up) are a sample of the same mix.
        /// </summary>
        private static List<Audience> Assign(List<Audience> audiences, int count)
        {
            var customersByTenant = audiences.Where(a => !a.IsMsp).GroupBy(a => a.Tenants.Single()).Select(g => g.ToList()).ToList();
            var msps = audiences.Where(a => a.IsMsp).ToList();
            var result = new List<Audience>(count);
            int c = 0, m = 0;
            for (var i = 0; i < count; i++)
            {
                if (i % 5 == 4)
                {
                    result.Add(msps[m++ % msps.Count]);
                    continue;
                }
                var tenant = customersByTenant[c % customersByTenant.Count];
                result.Add(tenant[c / customersByTenant.Count % tenant.Count]);
                c++;
            }
            return result;
        }

        private HubConnection PortalConnection(Audience audience) => new HubConnectionBuilder()
            .WithUrl(new Uri(options.Portal, "hubs/status"), HttpTransportType.WebSockets, o =>
            {
                o.SkipNegotiation = true;
                o.AccessTokenProvider = () => Task.FromResult<string?>(audience.Token);
            })
            .Build();

        private HubConnection BareConnection(Audience audience) => new HubConnectionBuilder()
            .WithUrl(new Uri(options.Bare, $"bench/barehub?groups={Uri.EscapeDataString(string.Join(',', audience.Groups))}"), HttpTransportType.WebSockets,
                o => o.SkipNegotiation = true)
            .Build();

        // --- changes ---------------------------------------------------------------------------------------------

        private async Task<int> PostNoteAsync(Target target, int id)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/incidents/{target.IncidentId}/notes")
            {
                Content = JsonContent.Create(new { text = FanoutProtocol.NoteText(id), visibility = "Customer" }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", target.Writer.Token);
            request.Headers.Add(ServerMarks.Header, id.ToString(CultureInfo.InvariantCulture));
            using var response = await _portal.SendAsync(request);
            return (int)response.StatusCode;
        }

        private Task<int> PortalChangeAsync(Target target, int id) => PostNoteAsync(target, id);

        private async Task<int> BareChangeAsync(Target target, int id)
        {
            var write = options.BareWrites ? $"&incident={target.IncidentId}" : "";
            using var response = await _bare.PostAsync($"bench/bare-broadcast?tenant={target.TenantId}&change={id}{write}", content: null);
            return (int)response.StatusCode;
        }

        /// <summary>A pass: one change per tenant, one after the other; each waits for all its deliveries (or the timeout), then the gap.</summary>
        private async Task PassAsync(ClientSet set, List<Target> targets, bool[][] expected, Func<Target, int, Task<int>> change, RunResult? result)
        {
            for (var t = 0; t < targets.Count; t++)
            {
                var id = Interlocked.Increment(ref _nextChange);
                var pending = new PendingChange(id, expected[t]);
                set.Current = pending;
                pending.Sent = Stopwatch.GetTimestamp();
                var status = await change(targets[t], id);
                var answered = Stopwatch.GetTimestamp();
                await pending.WaitAsync(options.DeliveryTimeout);
                result?.Add(pending, answered, ok: status is 201 or 204);
                await Task.Delay(options.Gap);
            }
        }

        // --- server side: connections and memory ---------------------------------------------------------------

        private async Task WaitForConnectionsAsync(int portal, int bare)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            string text;
            do
            {
                text = await _bare.GetStringAsync("bench/connections");
                if (text == $"portal {portal}\nbare {bare}\n") return;
                await Task.Delay(100);
            }
            while (DateTime.UtcNow < deadline);
            throw new TimeoutException($"The server counts {text.Replace('\n', ' ').Trim()} open connections, expected portal {portal}, bare {bare}.");
        }

        private async Task<GcSnapshot> GcAsync() =>
            await _bare.GetFromJsonAsync<GcSnapshot>("bench/gc") ?? throw new InvalidOperationException("GET /bench/gc answered nothing.");

        private async Task<MemorySnapshot> MemoryAsync(string stage)
        {
            await Task.Delay(500); // let finished connections' work drain before the collection
            var snapshot = await _bare.GetFromJsonAsync<MemorySnapshot>("bench/memory")
                ?? throw new InvalidOperationException("GET /bench/memory answered nothing.");
            Emit("memory", stage, snapshot.ManagedBytes, snapshot.WorkingSetBytes, snapshot.GcCommittedBytes, snapshot.PortalConnections, snapshot.BareConnections);
            return snapshot;
        }

        /// <summary>When each change was ready to broadcast on the server (see <see cref="ServerMarks"/>), on this machine's monotonic clock.</summary>
        private async Task<Dictionary<int, long>> MarksAsync()
        {
            var marks = new Dictionary<int, long>();
            foreach (var line in (await _bare.GetStringAsync("bench/marks")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split(' ');
                marks[int.Parse(parts[0], CultureInfo.InvariantCulture)] = long.Parse(parts[1], CultureInfo.InvariantCulture);
            }
            return marks;
        }

        /// <summary>Database commands Portal issued for requests other than the status paths so far (scenario 1's counter; here: the notes).</summary>
        private async Task<long> PortalDbCommandsAsync()
        {
            foreach (var line in (await _portal.GetStringAsync("bench/counters")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split(' ');
                if (parts[0] == "commands_other_requests") return long.Parse(parts[1], CultureInfo.InvariantCulture);
            }
            throw new InvalidOperationException("GET /bench/counters has no commands_other_requests line.");
        }

        private static void Say(string line) => Console.WriteLine(line);

        /// <summary>One tab-separated line for bench.sh.</summary>
        private void Emit(params object[] fields) =>
            output.AppendJoin('\t', fields.Select(f => Convert.ToString(f, CultureInfo.InvariantCulture))).Append('\n');

        private static string Ms(double ms) => ms.ToString("0.00", CultureInfo.InvariantCulture);

        public void Dispose()
        {
            _portal.Dispose();
            _bare.Dispose();
        }
    }

    /// <summary>One change in flight: which connections must receive it, and when each did.</summary>
    private sealed class PendingChange(int id, bool[] expected)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _delivered;
        private int _unexpected;
        private int _duplicates;

        public int Id { get; } = id;
        public bool[] Expected { get; } = expected;
        public int ExpectedCount { get; } = expected.Count(e => e);
        public long Sent { get; set; }
        public long[] ReceivedAt { get; } = new long[expected.Length];
        public int Delivered => Volatile.Read(ref _delivered);
        public int Unexpected => Volatile.Read(ref _unexpected) + Volatile.Read(ref _duplicates);

        /// <summary>The receipt times of the deliveries that arrived.</summary>
        public long[] Deliveries()
        {
            var deliveries = new List<long>(ExpectedCount);
            for (var i = 0; i < ReceivedAt.Length; i++)
            {
                var at = Volatile.Read(ref ReceivedAt[i]);
                if (at != 0) deliveries.Add(at);
            }
            return [.. deliveries];
        }

        public void Receive(int connection, long at)
        {
            if (!Expected[connection])
            {
                Interlocked.Increment(ref _unexpected);
                return;
            }
            if (Interlocked.CompareExchange(ref ReceivedAt[connection], at, 0) != 0)
            {
                Interlocked.Increment(ref _duplicates);
                return;
            }
            if (Interlocked.Increment(ref _delivered) == ExpectedCount) _done.TrySetResult();
        }

        /// <summary>Until every expected connection has it, or the timeout (the missing ones then count as missing).</summary>
        public async Task WaitAsync(TimeSpan timeout)
        {
            if (ExpectedCount == 0) return;
            try
            {
                await _done.Task.WaitAsync(timeout);
            }
            catch (TimeoutException)
            {
                // Reported through Delivered < ExpectedCount.
            }
        }
    }

    /// <summary>One measured change: when it was sent, when the request was answered, when each delivery arrived.</summary>
    private sealed record ChangeRecord(int Id, long Sent, long Answered, long[] Received);

    /// <summary>The deliveries of one or more runs of one path.</summary>
    private sealed class RunResult
    {
        private readonly List<ChangeRecord> _changes = [];
        private double[]? _sorted;

        public int Changes => _changes.Count;
        public long Expected { get; private set; }
        public long Delivered { get; private set; }
        public long Unexpected { get; private set; }
        public int Late { get; set; }
        public int FailedChanges { get; private set; }
        public double Max => Sorted().LastOrDefault();

        public void Add(PendingChange change, long answered, bool ok)
        {
            Expected += change.ExpectedCount;
            Delivered += change.Delivered;
            Unexpected += change.Unexpected;
            if (!ok) FailedChanges++;
            _changes.Add(new ChangeRecord(change.Id, change.Sent, answered, change.Deliveries()));
            _sorted = null;
        }

        public void Add(RunResult other)
        {
            Expected += other.Expected;
            Delivered += other.Delivered;
            Unexpected += other.Unexpected;
            Late += other.Late;
            FailedChanges += other.FailedChanges;
            _changes.AddRange(other._changes);
            _sorted = null;
        }

        /// <summary>Delivery latency (request sent → received), nearest-rank percentile over every delivery.</summary>
        public double Percentile(double q) => NearestRank(Sorted(), q);

        public double ApiPercentile(double q) => NearestRank([.. _changes.Select(c => Stopwatch.GetElapsedTime(c.Sent, c.Answered).TotalMilliseconds).Order()], q);

        /// <summary>Server mark → received, for every delivery of a change the server marked; sorted.</summary>
        public double[] FromMarks(Dictionary<int, long> marks) =>
            [.. _changes.Where(c => marks.ContainsKey(c.Id)).SelectMany(c => c.Received.Select(at => Stopwatch.GetElapsedTime(marks[c.Id], at).TotalMilliseconds)).Order()];

        /// <summary>Request sent → server mark, per marked change; sorted.</summary>
        public double[] ToMarks(Dictionary<int, long> marks) =>
            [.. _changes.Where(c => marks.ContainsKey(c.Id)).Select(c => Stopwatch.GetElapsedTime(c.Sent, marks[c.Id]).TotalMilliseconds).Order()];

        public int Marked(Dictionary<int, long> marks) => _changes.Count(c => marks.ContainsKey(c.Id));

        public static double NearestRank(double[] sorted, double q) =>
            sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

        private double[] Sorted() =>
            _sorted ??= [.. _changes.SelectMany(c => c.Received.Select(at => Stopwatch.GetElapsedTime(c.Sent, at).TotalMilliseconds)).Order()];

        public string Describe() =>
            $"{Changes} changes, {Delivered}/{Expected} deliveries, {Unexpected} unexpected, {FailedChanges} failed requests; " +
            $"p50 {Percentile(0.5):0.00} ms, p99 {Percentile(0.99):0.00} ms, max {Max:0.00} ms; request answered p50 {ApiPercentile(0.5):0.00} ms";
    }

    /// <summary>N hub connections of one path; each routes what it receives to the change in flight.</summary>
    private sealed class ClientSet : IAsyncDisposable
    {
        private readonly List<HubConnection> _connections;
        private PendingChange? _current;
        private int _closed;
        private int _late;
        private volatile bool _disposing;

        private ClientSet(string name, List<HubConnection> connections)
        {
            Name = name;
            _connections = connections;
        }

        public string Name { get; }
        /// <summary>Connections that closed while measured (a dropped client is a lost delivery waiting to happen).</summary>
        public int Closed => Volatile.Read(ref _closed);

        /// <summary>Events for a change other than the one in flight (one that arrived after its change's timeout).</summary>
        public int Late => Volatile.Read(ref _late);

        public PendingChange? Current
        {
            get => Volatile.Read(ref _current);
            set => Volatile.Write(ref _current, value);
        }

        public static async Task<ClientSet> ConnectAsync(string name, List<Audience> assignment, Func<Audience, HubConnection> create, int batch)
        {
            var connections = assignment.Select(create).ToList();
            var set = new ClientSet(name, connections);
            for (var i = 0; i < connections.Count; i++)
            {
                var index = i;
                connections[i].On<JsonElement>(FanoutProtocol.Method, payload => set.Receive(index, Stopwatch.GetTimestamp(), payload));
                connections[i].Closed += _ =>
                {
                    if (!set._disposing) Interlocked.Increment(ref set._closed);
                    return Task.CompletedTask;
                };
            }
            for (var start = 0; start < connections.Count; start += batch)
            {
                await Task.WhenAll(connections.Skip(start).Take(batch).Select(c => c.StartAsync()));
            }
            return set;
        }

        private void Receive(int connection, long at, JsonElement payload)
        {
            var change = Current;
            if (change is null || FanoutProtocol.ChangeId(payload) != change.Id)
            {
                Interlocked.Increment(ref _late);
                return;
            }
            change.Receive(connection, at);
        }

        public async ValueTask DisposeAsync()
        {
            _disposing = true; // closes we cause ourselves do not count
            for (var start = 0; start < _connections.Count; start += 200)
            {
                await Task.WhenAll(_connections.Skip(start).Take(200).Select(c => c.DisposeAsync().AsTask()));
            }
        }
    }
}
