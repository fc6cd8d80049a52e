using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Portal.Benchmarks.Soak;

/// <summary>
/// <c>Portal.Benchmarks soak --base URL --host-pid PID [--minutes N] [--out FILE]</c>: a bounded soak against a running
/// benchmark host (<c>./soak.sh</c> starts one). Mixed traffic on loopback for N minutes — customers reading their status
/// (half of the reads conditional), an MSP engineer writing notes and changing severity, device imports into an incident,
/// bulk task updates by external id, and live clients connecting, watching an incident and leaving — with every unexpected
/// answer or exception counted as an error. Per minute: requests, errors and p50/p99 per route, and the host process's
/// resident memory (VmRSS from /proc, the host being another process). Writes a tab-separated record for soak.sh.
/// </summary>
public static class SoakDriver
{
    public const string Usage = "soak --base URL --host-pid PID [--minutes N] [--out FILE]";

    private sealed record Options(Uri Base, int HostPid, double Minutes, string? Out);

    private sealed class Minute
    {
        public readonly ConcurrentDictionary<string, ConcurrentBag<double>> Latencies = new();
        public readonly ConcurrentDictionary<string, int> Errors = new();
    }

    private static readonly ConcurrentQueue<string> ErrorSamples = new();

    public static async Task<int> RunAsync(string[] args)
    {
        Options options;
        try { options = Parse(args); }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync($"{e.Message}\nUsage: {Usage}");
            return 64;
        }

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var http = new HttpClient(handler) { BaseAddress = options.Base, Timeout = TimeSpan.FromSeconds(60) };
        var maya = await TokenAsync(http, "maya@harborit.example");
        var customers = new[] { "olivia@northwindairways.example", "emma@fabrikamhealth.example", "lucas@tailspin.example" };
        var customerTokens = new List<(string Token, Guid TenantId)>();
        foreach (var email in customers)
        {
            var token = await TokenAsync(http, email);
            customerTokens.Add((token, (await TenantsAsync(http, token)).Single()));
        }
        // One soak incident per customer tenant, opened by the MSP engineer: notes, severity, imports and bulk updates go there.
        var incidents = new List<(Guid TenantId, Guid IncidentId)>();
        foreach (var (_, tenantId) in customerTokens)
        {
            using var created = await SendAsync(http, HttpMethod.Post, $"api/v1/tenants/{tenantId}/incidents", maya,
                JsonContent.Create(new { title = $"Soak {DateTime.UtcNow:HH:mm:ss}", severity = "Sev2", customerSummary = "Soak test." }));
            created.EnsureSuccessStatusCode();
            incidents.Add((tenantId, (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid()));
        }

        var minutes = new List<Minute>();
        var started = Stopwatch.GetTimestamp();
        var total = TimeSpan.FromMinutes(options.Minutes);
        Minute Current()
        {
            var index = (int)(Stopwatch.GetElapsedTime(started).TotalMinutes);
            lock (minutes)
            {
                while (minutes.Count <= index) minutes.Add(new Minute());
                return minutes[index];
            }
        }
        using var stop = new CancellationTokenSource(total);
        var ct = stop.Token;

        async Task Timed(string route, Func<Task<bool>> call)
        {
            var begin = Stopwatch.GetTimestamp();
            bool ok;
            try { ok = await call(); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                ok = false;
                if (ErrorSamples.Count < 20) ErrorSamples.Enqueue($"{route}: {e.GetType().Name}: {e.Message}");
            }
            var minute = Current();
            minute.Latencies.GetOrAdd(route, _ => []).Add(Stopwatch.GetElapsedTime(begin).TotalMilliseconds);
            if (!ok) minute.Errors.AddOrUpdate(route, 1, (_, n) => n + 1);
        }

        async Task Loop(TimeSpan pause, Func<Task> body)
        {
            while (!ct.IsCancellationRequested)
            {
                await body();
                try { await Task.Delay(pause, ct); } catch (OperationCanceledException) { return; }
            }
        }

        var workers = new List<Task>();
        // Status reads: each customer polls its tenant's status; every other read sends the last ETag (304 expected when unchanged).
        foreach (var (token, tenantId) in customerTokens)
        {
            string? etag = null;
            var n = 0;
            workers.Add(Loop(TimeSpan.FromMilliseconds(20), () => Timed("status", async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/tenants/{tenantId}/status");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                if (n++ % 2 == 1 && etag is not null) request.Headers.TryAddWithoutValidation("If-None-Match", etag);
                using var response = await http.SendAsync(request, ct);
                if (response.StatusCode == HttpStatusCode.OK) etag = response.Headers.ETag?.ToString();
                return Expect(response, "status", HttpStatusCode.OK, HttpStatusCode.NotModified);
            })));
        }
        // Notes, both visibilities, a few a second.
        var noteCount = 0;
        workers.Add(Loop(TimeSpan.FromMilliseconds(150), () => Timed("note", async () =>
        {
            var (_, incidentId) = incidents[noteCount % incidents.Count];
            var visibility = noteCount++ % 2 == 0 ? "Customer" : "Internal";
            using var response = await SendAsync(http, HttpMethod.Post, $"api/v1/incidents/{incidentId}/notes", maya,
                JsonContent.Create(new { text = $"Soak note {noteCount}: restoring machines.", visibility }), ct);
            return Expect(response, "note", HttpStatusCode.Created);
        })));
        // Severity changes, back and forth.
        var severityCount = 0;
        workers.Add(Loop(TimeSpan.FromSeconds(1), () => Timed("severity", async () =>
        {
            var (_, incidentId) = incidents[severityCount % incidents.Count];
            var severity = (severityCount++ / incidents.Count) % 2 == 0 ? "Sev3" : "Sev2";
            using var response = await SendAsync(http, HttpMethod.Post, $"api/v1/incidents/{incidentId}/severity", maya,
                JsonContent.Create(new { severity }), ct);
            return Expect(response, "severity", HttpStatusCode.OK);
        })));
        // Imports: 300 new devices into one incident every 20 s, followed until the job finishes.
        var importCount = 0;
        var externalIds = new ConcurrentDictionary<Guid, ConcurrentQueue<string>>();
        workers.Add(Loop(TimeSpan.FromSeconds(20), () => Timed("import", async () =>
        {
            var (_, incidentId) = incidents[importCount % incidents.Count];
            var batch = importCount++;
            var csv = new StringBuilder("hostname,external_id,os,site,tags\n");
            var ids = new List<string>();
            for (var i = 0; i < 300; i++)
            {
                var id = $"soak-{batch}-{i}";
                ids.Add(id);
                csv.Append(CultureInfo.InvariantCulture, $"SOAK-{batch}-{i},{id},Windows 11,HQ,soak\n");
            }
            using var content = new StringContent(csv.ToString(), Encoding.UTF8, "text/csv");
            using var response = await SendAsync(http, HttpMethod.Post, $"api/v1/incidents/{incidentId}/device-imports", maya, content, ct);
            if (!Expect(response, "import", HttpStatusCode.Accepted, HttpStatusCode.Created, HttpStatusCode.OK)) return false;
            var url = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("url").GetString()!.TrimStart('/');
            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 120;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(250, ct);
                using var poll = await SendAsync(http, HttpMethod.Get, url, maya, null, ct);
                if (!Expect(poll, "import", HttpStatusCode.OK)) return false;
                var status = (await poll.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("status").GetString();
                if (status == "Completed")
                {
                    var queue = externalIds.GetOrAdd(incidentId, _ => new());
                    foreach (var id in ids) queue.Enqueue(id);
                    return true;
                }
                if (status == "Failed")
                {
                    ErrorSamples.Enqueue($"import: the import job failed ({url})");
                    return false;
                }
            }
            ErrorSamples.Enqueue($"import: not finished after 120 s ({url})");
            return false;
        })));
        // Bulk updates from "the RMM script": up to 200 of the imported devices per call, alternating the state they report.
        var bulkCount = 0;
        workers.Add(Loop(TimeSpan.FromSeconds(5), async () =>
        {
            var (_, incidentId) = incidents[bulkCount++ % incidents.Count];
            if (!externalIds.TryGetValue(incidentId, out var queue) || queue.IsEmpty) return;
            var items = queue.ToArray().OrderBy(_ => Random.Shared.Next()).Take(200).Select(id => new { externalId = id }).ToArray();
            var state = bulkCount % 2 == 0 ? "Done" : "InProgress";
            await Timed("bulk", async () =>
            {
                using var response = await SendAsync(http, HttpMethod.Post, $"api/v1/incidents/{incidentId}/tasks/bulk-state", maya,
                    JsonContent.Create(new { state, items, summary = "Soak RMM script" }), ct);
                return Expect(response, "bulk", HttpStatusCode.OK);
            });
        }));
        // Live clients: ten at a time, each connects (customer or MSP), watches an incident, stays 5-20 s, and leaves.
        for (var c = 0; c < 10; c++)
        {
            var index = c;
            workers.Add(Loop(TimeSpan.FromMilliseconds(100), async () =>
            {
                var msp = index % 3 == 0;
                var token = msp ? maya : customerTokens[index % customerTokens.Count].Token;
                var incidentId = msp ? incidents[index % incidents.Count].IncidentId
                    : incidents.Single(i => i.TenantId == customerTokens[index % customerTokens.Count].TenantId).IncidentId;
                HubConnection? connection = null;
                await Timed("hub connect", async () =>
                {
                    connection = new HubConnectionBuilder()
                        .WithUrl(new Uri(options.Base, "hubs/status"), HttpTransportType.WebSockets, o =>
                        {
                            o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                            o.SkipNegotiation = true;
                        })
                        .Build();
                    await connection.StartAsync(ct);
                    await connection.InvokeAsync<JsonElement>("WatchIncident", incidentId, ct);
                    return true;
                });
                if (connection is null) return;
                try { await Task.Delay(TimeSpan.FromSeconds(5 + Random.Shared.Next(16)), ct); }
                catch (OperationCanceledException) { }
                await connection.DisposeAsync();
            }));
        }

        // The host's memory once a minute (and at the start).
        var rss = new List<(double Minute, long Kb)> { (0, RssKb(options.HostPid)) };
        workers.Add(Task.Run(async () =>
        {
            for (var m = 1; m <= (int)Math.Ceiling(options.Minutes); m++)
            {
                var due = TimeSpan.FromMinutes(m) - Stopwatch.GetElapsedTime(started);
                if (due > TimeSpan.Zero) try { await Task.Delay(due, ct); } catch (OperationCanceledException) { }
                rss.Add((Math.Min(m, options.Minutes), RssKb(options.HostPid)));
                if (ct.IsCancellationRequested) break;
            }
        }));

        var progress = Task.Run(async () =>
        {
            while (!ct.IsCancellationRequested)
            {
                try { await Task.Delay(TimeSpan.FromMinutes(1), ct); } catch (OperationCanceledException) { break; }
                var m = (int)Stopwatch.GetElapsedTime(started).TotalMinutes - 1;
                Minute? done;
                lock (minutes) done = m >= 0 && m < minutes.Count ? minutes[m] : null;
                if (done is null) continue;
                Console.WriteLine($"  minute {m + 1}: " + string.Join(", ", done.Latencies.OrderBy(x => x.Key).Select(x =>
                    $"{x.Key} {x.Value.Count} (errors {done.Errors.GetValueOrDefault(x.Key)})")) + $"; host RSS {RssKb(options.HostPid) / 1024} MB");
            }
        });
        await Task.WhenAll(workers);
        await progress;

        var record = new StringBuilder();
        List<Minute> all;
        lock (minutes) all = [.. minutes.Take((int)Math.Ceiling(options.Minutes))];
        for (var m = 0; m < all.Count; m++)
        {
            foreach (var (route, values) in all[m].Latencies.OrderBy(x => x.Key))
            {
                var sorted = values.Order().ToArray();
                record.Append(CultureInfo.InvariantCulture,
                    $"route\t{m + 1}\t{route}\t{sorted.Length}\t{all[m].Errors.GetValueOrDefault(route)}\t{Percentile(sorted, 0.50):0.00}\t{Percentile(sorted, 0.99):0.00}\t{sorted[^1]:0.00}\n");
            }
        }
        foreach (var (minute, kb) in rss) record.Append(CultureInfo.InvariantCulture, $"rss\t{minute:0.##}\t{kb}\n");
        foreach (var sample in ErrorSamples) record.Append(CultureInfo.InvariantCulture, $"error\t{sample.ReplaceLineEndings(" ")}\n");
        if (options.Out is { } file) await File.WriteAllTextAsync(file, record.ToString());
        var errors = all.Sum(m => m.Errors.Values.Sum());
        Console.WriteLine($"soak: {all.Sum(m => m.Latencies.Values.Sum(v => v.Count)):N0} calls in {options.Minutes:0.#} minutes, {errors} errors");
        foreach (var sample in ErrorSamples) Console.WriteLine($"  error: {sample}");
        return 0;
    }

    private static bool Expect(HttpResponseMessage response, string route, params HttpStatusCode[] expected)
    {
        if (expected.Contains(response.StatusCode)) return true;
        if (ErrorSamples.Count < 20) ErrorSamples.Enqueue($"{route}: {(int)response.StatusCode} {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}");
        return false;
    }

    private static double Percentile(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static long RssKb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        return 0;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string token, HttpContent? content, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request, ct);
    }

    private static async Task<string> TokenAsync(HttpClient http, string email)
    {
        using var response = await http.PostAsJsonAsync("dev/token", new { email });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private static async Task<List<Guid>> TenantsAsync(HttpClient http, string token)
    {
        using var response = await SendAsync(http, HttpMethod.Get, "api/v1/me", token, null);
        response.EnsureSuccessStatusCode();
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tenants").EnumerateArray().Select(t => t.GetProperty("tenantId").GetGuid())];
    }

    private static Options Parse(string[] args)
    {
        Uri? baseUri = null;
        int? pid = null;
        double minutes = 20;
        string? output = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--base": baseUri = new Uri(Next().TrimEnd('/') + "/"); break;
                case "--host-pid": pid = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--minutes": minutes = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--out": output = Path.GetFullPath(Next()); break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
            }
        }
        if (baseUri is null || pid is null || minutes <= 0) throw new ArgumentException("--base and --host-pid are required; --minutes must be positive.");
        return new Options(baseUri, pid.Value, minutes, output);
    }
}
