using System.Diagnostics;
using System.Globalization;
using System.Text;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Portal.Data;
using Portal.Domain;
using Portal.Features.Escalations;
using Portal.Features.Notifications;

namespace Portal.Benchmarks.Escalations;

public sealed record EscalationOptions(string Provider, string? Admin, int Incidents, int Tenants, int SpanSeconds, int WindowSeconds, int LeadSeconds,
    int MarginSeconds, int SweepOverdue, int SweepRuns, int OutboxMessages, int Rounds, string? OutFile)
{
    public const string Usage = "escalation --provider Sqlite|PostgreSql [--admin CONNECTION] [--incidents N] [--tenants N] [--span-seconds S] [--window-seconds S] " +
                                "[--lead-seconds S] [--margin-seconds S] [--sweep-overdue N] [--sweep-runs N] [--outbox-messages N] [--rounds N] [--out FILE]";

    /// <summary>Escalations per second while the window runs: the incidents' due times are spread evenly over the span.</summary>
    public double Rate => Incidents / (double)SpanSeconds;

    public static EscalationOptions Parse(string[] args)
    {
        var o = new EscalationOptions("Sqlite", null, 10_000, 100, 600, 60, 0, 15, 200, 5, 200, 3, null);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. Usage: {Usage}");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture) is var v && v >= 0 ? v : throw new ArgumentException($"{args[i]} must not be negative.");
            o = args[i] switch
            {
                "--provider" => o with { Provider = Next() },
                "--admin" => o with { Admin = Next() },
                "--incidents" => o with { Incidents = Int() },
                "--tenants" => o with { Tenants = Int() },
                "--span-seconds" => o with { SpanSeconds = Int() },
                "--window-seconds" => o with { WindowSeconds = Int() },
                "--lead-seconds" => o with { LeadSeconds = Int() },
                "--margin-seconds" => o with { MarginSeconds = Int() },
                "--sweep-overdue" => o with { SweepOverdue = Int() },
                "--sweep-runs" => o with { SweepRuns = Int() },
                "--outbox-messages" => o with { OutboxMessages = Int() },
                "--rounds" => o with { Rounds = Int() },
                "--out" => o with { OutFile = Path.GetFullPath(Next()) },
                _ => throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: {Usage}"),
            };
        }
        if (o.Provider is not ("Sqlite" or "PostgreSql")) throw new ArgumentException($"--provider is Sqlite or PostgreSql. Usage: {Usage}");
        if (o.Provider == "PostgreSql" && o.Admin is null) throw new ArgumentException("PostgreSql needs --admin (a connection string that may create a database).");
        if (o.Incidents < 1 || o.Tenants < 1 || o.SpanSeconds < 1 || o.WindowSeconds < 1 || o.SweepRuns < 1 || o.OutboxMessages < 1 || o.Rounds < 1)
            throw new ArgumentException("--incidents, --tenants, --span-seconds, --window-seconds, --sweep-runs, --outbox-messages and --rounds must be at least 1.");
        if (o.WindowSeconds > o.SpanSeconds) throw new ArgumentException("--window-seconds cannot exceed --span-seconds (the window observes the first part of the span).");
        if (o.SweepOverdue > EscalationSweep.BatchSize) throw new ArgumentException($"--sweep-overdue is at most one sweep's batch ({EscalationSweep.BatchSize}).");
        // Before the first due time: the window's incidents written (1.5–5 ms each on the development machine, quiet or busy) and the idle
        // sweep measured. Too short a lead is refused at run time, never measured.
        if (o.LeadSeconds == 0) o = o with { LeadSeconds = 10 + (int)Math.Ceiling(o.Rate * o.WindowSeconds * 0.008) };
        return o;
    }
}

/// <summary>
/// Issue 12's benchmark, one database per process (<c>Portal.Benchmarks escalation --provider ...</c>; docs/benchmarks.md, scenario 6).
/// Portal runs in this process on Kestrel (Development, demo data, its Hangfire server with the shipped settings) on a fresh SQLite
/// file or PostgreSQL database; its clock is the system clock.
/// <list type="number">
/// <item><b>Lateness.</b> N open Sev1 incidents of one MSP's tenants (default policy: acknowledgement due 15 min after opening, level 1
/// at the breach) are written through the model, opened so long ago that their level-1 due times follow one another at N ÷ span
/// per second. The first window's worth is observed: each of those gets the delayed Hangfire job Portal's commit path gives an
/// incident it opens (<see cref="EscalationTimers"/>), scheduled a margin before its due time at the rate they fall due; the rest
/// (due after the window) sit in the sweep's index without a timer. Then only Portal acts: its delayed jobs and its every-minute
/// sweep. Lateness = the Escalation row's RaisedAt − its DueAt, both from Portal's clock. Checked: every observed incident escalated
/// exactly once (Escalation rows and timeline entries).</item>
/// <item><b>Sweep cost.</b> <see cref="EscalationSweep.RunAsync"/> called directly with the recurring sweep removed, its database commands
/// recorded (text and EF's duration): with nothing overdue among the N (before the window), then with S incidents a minute overdue and
/// no timer (after the window, the other clocks cleared).</item>
/// <item><b>Outbox throughput.</b> M webhook messages to the local receiver delivered by Portal's fast path (one
/// <see cref="OutboxDelivery"/> job per message, as one change with one endpoint enqueues it; the recurring outbox sweep removed)
/// against the same requests — bodies and headers, the signature computed beforehand — sent by a bare HttpClient loop with as
/// many concurrent senders as Hangfire has workers; A B B A. Diagnostic: the delivery code called directly, without Hangfire.</item>
/// </list>
/// Writes tab-prefixed markdown rows (escalation, sweep, outbox, outbox-run, note) to --out for bench.sh; exits 3 when a run was invalid.
/// </summary>
public static class EscalationScenario
{
    private const string MspName = "Bench Escalations MSP";

    private sealed record Seeded(Guid MspId, IReadOnlyList<(Guid Id, string Prefix)> Tenants, List<int> Numbers);

    public static async Task<int> RunAsync(string[] args)
    {
        EscalationOptions options;
        try { options = EscalationOptions.Parse(args); }
        catch (Exception e) when (e is ArgumentException or FormatException) { await Console.Error.WriteLineAsync(e.Message); return 64; }

        var postgreSql = options.Provider == "PostgreSql" ? await CreateDatabaseAsync(options.Admin!) : null;
        // Loopback webhooks: allowed only in Development with this switch (appsettings.Development.json has it too; stated here on purpose).
        Environment.SetEnvironmentVariable("Notifications__AllowPrivateTargets", "true");
        using var host = PortalHost.StartOnKestrel(0, postgreSql: postgreSql);
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = host.Services.GetRequiredService<TimeProvider>();
        var jobs = host.Services.GetRequiredService<IBackgroundJobClient>();
        var recurring = host.Services.GetRequiredService<IRecurringJobManager>();
        var configuration = host.Services.GetRequiredService<IConfiguration>();
        var workers = configuration.GetValue("Jobs:WorkerCount", Math.Clamp(Environment.ProcessorCount, 2, 8)); // JobsSetup's default
        var rows = new StringBuilder();
        var invalid = new List<string>();
        void Row(string table, string row) => rows.Append(table).Append('\t').AppendLine(row);
        var p = options.Provider;

        // --- 1. lateness (and the sweep with nothing overdue, measured before the first due time) --------------------------
        // The recurring sweep is taken out while the sweep is measured (a measured run must not race it) and put back, as Portal
        // registers it at start, before the window.
        recurring.RemoveIfExists(EscalationSweep.RecurringJobId);
        await WaitForIdleWorkersAsync(host);
        var setup = Stopwatch.StartNew();
        var seeded = await SeedMspAsync(host, options.Tenants);
        // The rest of the span first: due at the same rate after the window (and after a gap as long as the setup may take, so that none
        // of them falls due inside the window; they get no timer: the run ends before they are due).
        var observedCount = (int)Math.Round(options.Rate * options.WindowSeconds);
        var gap = TimeSpan.FromSeconds(30 + options.Incidents * 0.01);
        var tailStart = clock.GetUtcNow() + gap + TimeSpan.FromSeconds(options.WindowSeconds);
        var tail = await SeedIncidentsAsync(host, seeded,
            [.. Enumerable.Range(0, options.Incidents - observedCount).Select(i => tailStart + TimeSpan.FromSeconds((i + 0.5) / options.Rate))], "Later");
        // Then the window's: due from t0 on, evenly at the span's rate.
        var t0 = clock.GetUtcNow().AddSeconds(options.LeadSeconds);
        var windowEnd = t0.AddSeconds(options.WindowSeconds);
        var observed = await SeedIncidentsAsync(host, seeded,
            [.. Enumerable.Range(0, observedCount).Select(i => t0 + TimeSpan.FromSeconds((i + 0.5) / options.Rate))], "Lateness");
        var openIncidents = tail.Count + observed.Count;
        Console.WriteLine($"[{p}] seeded {openIncidents:N0} open incidents in {options.Tenants} tenants in {setup.Elapsed.TotalSeconds:0.0} s; due at {options.Rate:0.0}/s, the first {options.WindowSeconds} s ({observed.Count:N0}) observed");

        var idle = new List<(double Ms, int Commands, double FindMs, int Raised)>();
        for (var run = 0; run < options.SweepRuns; run++) idle.Add(await SweepAsync(host));
        // The sweep back as Portal registers it at start: every minute, and one run now (which finds nothing overdue).
        await new EscalationSweep.Startup(host.Services.GetRequiredService<Portal.Infrastructure.Jobs.RecurringJobs>(), jobs, configuration).StartAsync(CancellationToken.None);

        // The window's timers, each scheduled (as the commit path does when an incident opens) MarginSeconds before its due time, at
        // the rate they fall due: what incidents opened at that rate give Hangfire, without 15 minutes of waiting.
        var margin = TimeSpan.FromSeconds(options.MarginSeconds);
        var scheduledLate = 0;
        var feeder = Task.Run(async () =>
        {
            foreach (var (id, tenantId, due) in observed)
            {
                var wait = due - margin - clock.GetUtcNow();
                if (wait > TimeSpan.Zero) await Task.Delay(wait);
                var delay = due - clock.GetUtcNow();
                if (delay <= TimeSpan.Zero) scheduledLate++;
                EscalationTimers.Schedule(jobs, id, tenantId, delay);
            }
        });
        var slack = t0 - clock.GetUtcNow();
        Console.WriteLine($"[{p}] setup took {setup.Elapsed.TotalSeconds:0.0} s; {slack.TotalSeconds:0.0} s left of the {options.LeadSeconds} s lead; {observed.Count:N0} timers to schedule {options.MarginSeconds} s ahead of their due times");
        if (slack < TimeSpan.Zero || tailStart < windowEnd)
        {
            var problem = $"{p}: the setup ended {-slack.TotalSeconds:0.0} s after the first due time (lead {options.LeadSeconds} s); raise --lead-seconds";
            await Console.Error.WriteLineAsync("INVALID: " + problem);
            if (options.OutFile is { } outFile) await File.AppendAllTextAsync(outFile, $"note\t- **INVALID**: {problem}\n");
            return 3;
        }

        var before = host.Queries.Commands(QuerySource.Background);
        var failedBefore = host.Queries.Failed;
        long ownCommands = 0;
        var deadline = windowEnd + TimeSpan.FromSeconds(150); // the sweep (every minute) catches anything a timer lost well within this
        int escalated;
        while (true)
        {
            await Task.Delay(1000);
            using (var log = QueryCounter.Record())
            {
                escalated = await CountEscalationsAsync(host, seeded.MspId, t0, windowEnd);
                ownCommands += log.Commands.Count;
            }
            if ((escalated >= observed.Count && feeder.IsCompleted) || clock.GetUtcNow() > deadline) break;
        }
        await feeder;
        // From here on nothing escalates by itself: the later incidents have no timer, and the recurring sweep is removed (the
        // measurements below must not race it).
        recurring.RemoveIfExists(EscalationSweep.RecurringJobId);
        await WaitForIdleWorkersAsync(host);
        var drained = clock.GetUtcNow();
        var allRaised = await CountEscalationsAsync(host, seeded.MspId, DateTimeOffset.MinValue, DateTimeOffset.MaxValue);
        var commands = host.Queries.Commands(QuerySource.Background) - before - ownCommands;
        var failed = host.Queries.Failed - failedBefore;
        var (lateness, timelineEntries) = await LatenessAsync(host, seeded, [.. observed.Select(o => o.Id)]);
        Console.WriteLine($"[{p}] {lateness.Count:N0} escalations of the window recorded ({timelineEntries:N0} timeline entries), the last {(drained - windowEnd).TotalSeconds:0.0} s after its end; {scheduledLate} timers scheduled after their due time; {failed} commands failed (lost races)");
        var valid = lateness.Count == observed.Count && timelineEntries == observed.Count && scheduledLate == 0;
        if (lateness.Count != observed.Count || timelineEntries != observed.Count)
            invalid.Add($"{p}: {lateness.Count} escalations and {timelineEntries} escalation timeline entries for the window's {observed.Count} incidents (each must be recorded exactly once)");
        if (scheduledLate > 0) invalid.Add($"{p}: {scheduledLate} timers were scheduled after their due time (the feeder fell behind; its lateness is the harness's)");
        lateness.Sort();
        var p50 = Percentile(lateness, 0.50);
        var p90 = Percentile(lateness, 0.90);
        var p99 = Percentile(lateness, 0.99);
        var result = !valid ? "INVALID" : p99 <= 2000 ? "PASS" : "FAIL";
        Row("escalation", $"| {p} | {openIncidents:N0} open, due over {options.SpanSeconds} s ({options.Rate:0.0}/s); the first {options.WindowSeconds} s: {observed.Count:N0} | {p50:N0} | {p90:N0} | {p99:N0} | {(lateness.Count > 0 ? lateness[^1] : 0):N0} | {lateness.Count(l => l > 2000):N0} | p99 <= 2,000 ms | **{result}** | {commands / (double)Math.Max(1, allRaised):0.0} ({failed} failed) |");

        // --- 2. sweep cost ---------------------------------------------------------------------------------------------------
        var idleMs = idle.Select(r => r.Ms).ToList();
        var idleCommands = idle.Max(r => r.Commands);
        var idleOk = idle.All(r => r.Raised == 0);
        if (!idleOk) invalid.Add($"{p}: a sweep with nothing overdue escalated something");
        Row("sweep", $"| {p} | 0 of {openIncidents:N0} open ({options.SweepRuns} runs) | {Fig(idleMs, "0.0")} | {idleCommands} | {Fig([.. idle.Select(r => r.FindMs)], "0.0")} | - | one query, <= 200 ms | **{(!idleOk ? "INVALID" : idleCommands == 1 && Median(idleMs) <= 200 ? "PASS" : "FAIL")}** |");

        if (options.SweepOverdue > 0) Row("sweep", await OverdueSweepAsync());

        // --- 3. outbox throughput ------------------------------------------------------------------------------------------
        recurring.RemoveIfExists(OutboxSweep.RecurringJobId);
        await WaitForIdleWorkersAsync(host);
        var endpoint = await CreateEndpointAsync(host, seeded.MspId, receiver.Url);
        var payloads = await PayloadsAsync(host, seeded, options.OutboxMessages);
        var bare = new List<double>();
        var portal = new List<double>();
        var direct = new List<double>();
        var roundRatios = new List<double>();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false, AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
        // One unmeasured run of each first (JIT, connection pools, Hangfire's and the database's caches).
        var warmUp = Math.Min(50, options.OutboxMessages);
        await PortalDeliveryAsync(warmUp);
        await BareLoopAsync(warmUp);
        for (var round = 1; round <= options.Rounds; round++)
        {
            var roundBare = new List<double>();
            var roundPortal = new List<double>();
            foreach (var kind in new[] { "bare", "portal", "portal", "bare" })
            {
                var rate = kind == "bare" ? await BareLoopAsync(options.OutboxMessages) : await PortalDeliveryAsync(options.OutboxMessages);
                (kind == "bare" ? roundBare : roundPortal).Add(rate.PerSecond);
                (kind == "bare" ? bare : portal).Add(rate.PerSecond);
                Console.WriteLine($"[{p}] outbox round {round} {kind,-6} {rate.PerSecond,8:N0} messages/s ({rate.Ms:N0} ms){rate.Note}");
                Row("outbox-run", $"| {p} | {round} | {kind} | {options.OutboxMessages:N0} | {rate.Ms:N0} | {rate.PerSecond:N0} | {rate.Note.Trim(' ', ';')} |");
            }
            roundRatios.Add(roundPortal.Average() / roundBare.Average());
            // Diagnostic, outside the A B B A: the same delivery code without Hangfire, to tell its cost from the job system's.
            var alone = await DirectDeliveryAsync(options.OutboxMessages);
            direct.Add(alone.PerSecond);
            Console.WriteLine($"[{p}] outbox round {round} direct {alone.PerSecond,8:N0} messages/s ({alone.Ms:N0} ms){alone.Note}");
            Row("outbox-run", $"| {p} | {round} | Portal's delivery code without Hangfire (diagnostic) | {options.OutboxMessages:N0} | {alone.Ms:N0} | {alone.PerSecond:N0} | {alone.Note.Trim(' ', ';')} |");
        }
        var ratio = Median(portal) / Median(bare);
        Row("outbox", $"| {p} | {options.OutboxMessages:N0} | {workers} | {Fig(bare)} | {Fig(portal)} | **{ratio:0.000}x ({roundRatios.Min():0.000}–{roundRatios.Max():0.000}x)** | (no bar) | {Fig(direct)} |");

        var text = rows.ToString();
        Console.Write(text);
        foreach (var problem in invalid) Row("note", $"- **INVALID**: {problem}");
        if (options.OutFile is { } file) await File.AppendAllTextAsync(file, rows.ToString());
        foreach (var problem in invalid) await Console.Error.WriteLineAsync("INVALID: " + problem);
        return invalid.Count > 0 ? 3 : 0;

        // S incidents a minute overdue with no timer (what a restart past their due times leaves; only level 1 due, level 2 follows 15
        // minutes later): one measured sweep run must find them with its one query and escalate each exactly once. The clocks of the
        // span's later incidents are stopped first (they would fall due meanwhile and join the batch).
        async Task<string> OverdueSweepAsync()
        {
            var stopped = await StopClocksAsync(host, seeded);
            var now = clock.GetUtcNow();
            var overdue = await SeedIncidentsAsync(host, seeded, [.. Enumerable.Range(0, options.SweepOverdue).Select(i => now.AddMinutes(-1).AddMilliseconds(i))], "Sweep");
            var (ms, log, raised) = await SweepLogAsync(host);
            var find = log.Count > 0 ? log[0] : ("", TimeSpan.Zero);
            var findIsTheSweepQuery = find.Item1.Contains("NextEscalationAt", StringComparison.Ordinal);
            var ok = raised == overdue.Count && findIsTheSweepQuery;
            if (!ok) invalid.Add($"{p}: the sweep over {overdue.Count} overdue incidents escalated {raised}{(findIsTheSweepQuery ? "" : " and its first command was not the NextEscalationAt query")}");
            var perEscalation = (log.Count - 1) / (double)Math.Max(1, raised);
            Console.WriteLine($"[{p}] sweep with {overdue.Count} overdue: {ms:N0} ms, {log.Count} commands, its query {find.Item2.TotalMilliseconds:0.0} ms");
            return $"| {p} | {overdue.Count:N0} (the other {stopped:N0} clocks stopped; 1 run) | {ms:N0} ({ms / Math.Max(1, raised):0.0} per escalation) | 1 + {log.Count - 1:N0} ({perEscalation:0.0} per escalation) | {find.Item2.TotalMilliseconds:0.0} | {raised / (ms / 1000):N0}/s | one query, <= 200 ms | **{(!ok ? "INVALID" : find.Item2.TotalMilliseconds <= 200 ? "PASS" : "FAIL")}** |";
        }

        // Portal's fast path: the rows committed (not timed), then one delivery job per message enqueued as the commit path does;
        // timed from the first enqueue until the last message was settled Delivered (its DeliveredAt, Portal's clock).
        async Task<(double Ms, double PerSecond, string Note)> PortalDeliveryAsync(int count)
        {
            var ids = await OutboxRowsAsync(host, seeded.MspId, endpoint, payloads, count);
            receiver.Reset();
            var start = clock.GetUtcNow();
            foreach (var id in ids) OutboxJobs.Enqueue(jobs, [id]);
            var until = DateTime.UtcNow.AddMinutes(3);
            var (delivered, last) = (0, start);
            while (DateTime.UtcNow < until)
            {
                await Task.Delay(receiver.Requests >= count ? 20 : 200);
                if (receiver.Requests < count) continue;
                (delivered, last) = await DeliveredAsync(host, ids);
                if (delivered == count) break;
            }
            var repeats = receiver.Requests - receiver.DistinctIds;
            // Untimed: the jobs behind the first ones find their messages sent (a fast-path job drains what is due); they must
            // be gone before the next run, or they would deliver its messages.
            await WaitForEmptyQueuesAsync(host);
            if (delivered != count) invalid.Add($"{p}: Portal delivered {delivered} of {count} outbox messages within 3 minutes");
            if (repeats > 0) invalid.Add($"{p}: the receiver got {repeats} repeated deliveries");
            var ms = (last - start).TotalMilliseconds;
            return (ms, count / (ms / 1000), delivered == count && repeats == 0 ? "" : $"; INVALID: {delivered} delivered, {repeats} repeats");
        }

        // OutboxDelivery.DeliverAsync called directly, one message per call in a scope of its own (what one job does), from as many
        // concurrent loops as Hangfire has workers: Portal's delivery without the job system (timed until the last call returned).
        async Task<(double Ms, double PerSecond, string Note)> DirectDeliveryAsync(int count)
        {
            var ids = await OutboxRowsAsync(host, seeded.MspId, endpoint, payloads, count);
            receiver.Reset();
            var next = -1;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < ids.Length)
                {
                    await using var scope = host.Services.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<OutboxDelivery>().DeliverAsync([ids[i]], CancellationToken.None);
                }
            })));
            watch.Stop();
            var (delivered, _) = await DeliveredAsync(host, ids);
            if (delivered != count) invalid.Add($"{p}: the delivery code alone delivered {delivered} of {count} outbox messages");
            return (watch.Elapsed.TotalMilliseconds, count / watch.Elapsed.TotalSeconds, delivered == count ? "" : $"; INVALID: {delivered} delivered");
        }

        // The baseline: the same requests (bodies and headers, signatures computed before the clock starts) from as many concurrent
        // loops as Hangfire has workers, one request at a time each, to the same receiver.
        async Task<(double Ms, double PerSecond, string Note)> BareLoopAsync(int count)
        {
            var secret = endpoint.Secret;
            var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
            var requests = Enumerable.Range(0, count).Select(i =>
            {
                var body = payloads.Bodies[i % payloads.Bodies.Count];
                return (Id: Guid.CreateVersion7().ToString(), Body: body, Signature: WebhookSecrets.SignatureHeader([secret], timestamp, body));
            }).ToArray();
            receiver.Reset();
            var next = -1;
            var failed = 0;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < requests.Length)
                {
                    var r = requests[i];
                    using var request = new HttpRequestMessage(HttpMethod.Post, receiver.Url) { Content = new StringContent(r.Body, Encoding.UTF8, "application/json") };
                    request.Headers.Add("Portal-Delivery-Id", r.Id);
                    request.Headers.Add("Portal-Event", "incident.escalated");
                    request.Headers.UserAgent.Add(new System.Net.Http.Headers.ProductInfoHeaderValue("Portal-Notifications", "1.0"));
                    request.Headers.Add("Portal-Signature", r.Signature);
                    request.Headers.Add("Portal-Timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    if (!response.IsSuccessStatusCode) Interlocked.Increment(ref failed);
                }
            }));
            watch.Stop();
            if (failed > 0 || receiver.Requests != count) invalid.Add($"{p}: the bare loop got {failed} failures, the receiver {receiver.Requests} of {count} requests");
            return (watch.Elapsed.TotalMilliseconds, count / watch.Elapsed.TotalSeconds, failed == 0 ? "" : $"; INVALID: {failed} failed");
        }
    }

    /// <summary>One sweep run, timed, with the commands it sent: how long it took, how many, the first one's duration, how many it escalated.</summary>
    private static async Task<(double Ms, int Commands, double FindMs, int Raised)> SweepAsync(PortalHost host)
    {
        var (ms, commands, raised) = await SweepLogAsync(host);
        return (ms, commands.Count, commands.Count > 0 ? commands[0].Duration.TotalMilliseconds : 0, raised);
    }

    /// <summary>One sweep run as Hangfire runs it (its own scope), timed, with every command it sent (text, EF's duration).</summary>
    private static async Task<(double Ms, IReadOnlyList<(string Text, TimeSpan Duration)> Commands, int Raised)> SweepLogAsync(PortalHost host)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var sweep = scope.ServiceProvider.GetRequiredService<EscalationSweep>();
        using var log = QueryCounter.Record();
        var watch = Stopwatch.StartNew();
        var raised = await sweep.RunAsync(CancellationToken.None);
        watch.Stop();
        return (watch.Elapsed.TotalMilliseconds, log.Commands, raised);
    }

    /// <summary>Until no Hangfire job is processing (a sweep that started before its recurring job was removed has finished).</summary>
    private static async Task WaitForIdleWorkersAsync(PortalHost host)
    {
        var monitoring = host.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        var until = DateTime.UtcNow.AddSeconds(60);
        while (monitoring.ProcessingCount() > 0 && DateTime.UtcNow < until) await Task.Delay(100);
    }

    /// <summary>Until no job waits in a queue or runs.</summary>
    private static async Task WaitForEmptyQueuesAsync(PortalHost host)
    {
        var monitoring = host.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        var until = DateTime.UtcNow.AddSeconds(120);
        while ((monitoring.ProcessingCount() > 0 || monitoring.Queues().Sum(q => q.Length) > 0) && DateTime.UtcNow < until) await Task.Delay(100);
    }

    private static async Task<Seeded> SeedMspAsync(PortalHost host, int tenants)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var msp = new Organisation(Guid.NewGuid(), MspName, OrganisationKind.Msp, Guid.NewGuid());
        db.Add(msp);
        var list = new List<(Guid, string)>();
        for (var t = 0; t < tenants; t++)
        {
            var prefix = "E" + Letters(t);
            var tenant = new Organisation(Guid.NewGuid(), $"Bench Escalation Customer {t:D4}", OrganisationKind.Customer, Guid.NewGuid(), prefix);
            db.AddRange(tenant, new MspContract(Guid.NewGuid(), msp.Id, tenant.Id, now.AddYears(-1)));
            list.Add((tenant.Id, prefix));
        }
        await db.SaveChangesAsync();
        return new Seeded(msp.Id, list, [.. Enumerable.Repeat(0, tenants)]);
    }

    /// <summary>
    /// Open Sev1 incidents through the model, one per due time (round robin over the tenants), opened so long before it that the
    /// MSP's plan (the default policy: acknowledge within 15 min, level 1 at the breach) makes level 1 due exactly then.
    /// </summary>
    private static async Task<List<(Guid Id, Guid TenantId, DateTimeOffset Due)>> SeedIncidentsAsync(PortalHost host, Seeded seeded, List<DateTimeOffset> dueTimes, string title)
    {
        var result = new List<(Guid, Guid, DateTimeOffset)>(dueTimes.Count);
        var actor = new Actor(Guid.Empty, "Escalation benchmark", TenantAccess.Msp);
        for (var start = 0; start < dueTimes.Count; start += 1000)
        {
            await using var scope = host.Services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var plans = await EscalationPlans.ForTenantsAsync(db, [.. seeded.Tenants.Select(t => t.Id)], dueTimes[start], CancellationToken.None);
            for (var i = start; i < Math.Min(dueTimes.Count, start + 1000); i++)
            {
                var t = i % seeded.Tenants.Count;
                var (tenantId, prefix) = seeded.Tenants[t];
                var plan = plans[tenantId];
                var opened = dueTimes[i].AddMinutes(-plan.TargetFor(Severity.Sev1).AcknowledgeMinutes);
                var incident = Incident.Open(tenantId, ++seeded.Numbers[t], prefix, $"{title} benchmark incident {i + 1}", Severity.Sev1, "Machines fail to start.", actor, opened);
                incident.PlanEscalations(plan);
                if (incident.NextEscalationAt != dueTimes[i]) throw new InvalidOperationException($"The plan put level 1 at {incident.NextEscalationAt:O}, not {dueTimes[i]:O}.");
                db.Incidents.Add(incident);
                result.Add((incident.Id, tenantId, dueTimes[i]));
            }
            await db.SaveChangesAsync();
        }
        return result;
    }

    /// <summary>The MSP's escalations due from <paramref name="from"/> until before <paramref name="until"/>.</summary>
    private static async Task<int> CountEscalationsAsync(PortalHost host, Guid mspId, DateTimeOffset from, DateTimeOffset until)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        return until == DateTimeOffset.MaxValue
            ? await db.Escalations.CountAsync(e => e.MspId == mspId)
            : await db.Escalations.CountAsync(e => e.MspId == mspId && e.DueAt >= from && e.DueAt < until);
    }

    /// <summary>No more escalations for the MSP's incidents (as when no MSP manages a tenant any more): their NextEscalationAt cleared.</summary>
    private static async Task<int> StopClocksAsync(PortalHost host, Seeded seeded)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var tenantIds = seeded.Tenants.Select(t => t.Id).ToList();
        return await db.Incidents.Where(i => tenantIds.Contains(i.TenantId) && i.NextEscalationAt != null)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.NextEscalationAt, (DateTimeOffset?)null));
    }

    /// <summary>Incidents whose next escalation is due now (the sweep's condition).</summary>
    private static async Task<int> CountOverdueAsync(PortalHost host)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Incidents.CountAsync(i => i.NextEscalationAt != null && i.NextEscalationAt <= now);
    }

    /// <summary>Each escalation's RaisedAt − DueAt in ms, and how many escalation entries the tenants' timelines hold.</summary>
    private static async Task<(List<double> Lateness, int TimelineEntries)> LatenessAsync(PortalHost host, Seeded seeded, HashSet<Guid> observed)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var rows = (await db.Escalations.AsNoTracking().Where(e => e.MspId == seeded.MspId).Select(e => new { e.IncidentId, e.DueAt, e.RaisedAt }).ToListAsync())
            .Where(e => observed.Contains(e.IncidentId)).ToList();
        var incidentIds = rows.Select(r => r.IncidentId).ToList();
        var tenantIds = seeded.Tenants.Select(t => t.Id).ToList();
        // Escalation entries on those incidents' timelines (one each, or the "recorded once" guarantee broke).
        var entries = await db.TimelineEntries.CountAsync(e => tenantIds.Contains(e.TenantId) && incidentIds.Contains(e.IncidentId) && e.Kind == TimelineEntryKind.Escalation);
        return ([.. rows.Select(r => (r.RaisedAt - r.DueAt).TotalMilliseconds)], entries);
    }

    private sealed record Payloads(IReadOnlyList<(Guid TenantId, Guid IncidentId)> Incidents, IReadOnlyList<string> Bodies);

    /// <summary>A webhook endpoint of the MSP for all its tenants, to the receiver, with a secret generated and protected as Portal does.</summary>
    private static async Task<(Guid Id, string Name, string Secret)> CreateEndpointAsync(PortalHost host, Guid mspId, Uri url)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var secret = WebhookSecrets.NewSecret();
        var endpoint = new NotificationEndpoint(Guid.NewGuid(), mspId, null, NotificationChannel.Webhook, "bench-receiver", url,
            scope.ServiceProvider.GetRequiredService<WebhookSecrets>().Protect(secret), new Actor(Guid.Empty, "Escalation benchmark", TenantAccess.Msp),
            host.Services.GetRequiredService<TimeProvider>().GetUtcNow());
        db.NotificationEndpoints.Add(endpoint);
        await db.SaveChangesAsync();
        return (endpoint.Id, endpoint.Name, secret);
    }

    /// <summary>What an escalation sends to a webhook, for <paramref name="count"/> of the seeded incidents (Portal's own payload builder).</summary>
    private static async Task<Payloads> PayloadsAsync(PortalHost host, Seeded seeded, int count)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var tenantIds = seeded.Tenants.Select(t => t.Id).ToList();
        var incidents = await db.Incidents.AsNoTracking().Where(i => tenantIds.Contains(i.TenantId)).OrderBy(i => i.Id).Take(count).ToListAsync();
        var names = await db.Organisations.AsNoTracking().Where(o => tenantIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name);
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var bodies = incidents.Select(i => Outbox.Payload(new NotificationMessage(i.TenantId, NotificationEvent.Escalation, NotificationAudience.Msp,
                new NotificationIncident(i.Id, i.Reference, i.Title, i.Severity, i.Status, i.CustomerSummary),
                $"Escalation level 1: Sev1 not acknowledged within 15 min (due {i.AcknowledgeDueAt:yyyy-MM-dd HH:mm} UTC). Notifying on call: nobody (no rotation).",
                "Portal escalation", now) { MspId = seeded.MspId }, names[i.TenantId])).ToList();
        return new Payloads([.. incidents.Select(i => (i.TenantId, i.Id))], bodies);
    }

    /// <summary>Pending webhook rows as the outbox writer adds them (one per message, to the endpoint), committed; their ids.</summary>
    private static async Task<Guid[]> OutboxRowsAsync(PortalHost host, Guid mspId, (Guid Id, string Name, string Secret) endpoint, Payloads payloads, int count)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var ids = new Guid[count];
        for (var i = 0; i < count; i++)
        {
            var (tenantId, incidentId) = payloads.Incidents[i % payloads.Incidents.Count];
            var message = new OutboxMessage(Guid.CreateVersion7(now), tenantId, mspId, incidentId, NotificationEvent.Escalation, NotificationAudience.Msp,
                NotificationChannel.Webhook, endpoint.Name, endpoint.Id, null, payloads.Bodies[i % payloads.Bodies.Count], now);
            db.OutboxMessages.Add(message);
            ids[i] = message.Id;
        }
        await db.SaveChangesAsync();
        return ids;
    }

    /// <summary>How many of <paramref name="ids"/> are settled Delivered, and the latest DeliveredAt among them.</summary>
    private static async Task<(int Delivered, DateTimeOffset Last)> DeliveredAsync(PortalHost host, Guid[] ids)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var delivered = await db.OutboxMessages.AsNoTracking().Where(m => ids.Contains(m.Id) && m.Status == OutboxStatus.Delivered).Select(m => m.DeliveredAt!.Value).ToListAsync();
        return (delivered.Count, delivered.Count == 0 ? DateTimeOffset.MinValue : delivered.Max());
    }

    private static async Task<string> CreateDatabaseAsync(string admin)
    {
        var name = $"portal_esc_{Guid.NewGuid():N}"[..30];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ToString();
    }

    private static string Letters(int n)
    {
        var chars = new char[4];
        for (var i = 3; i >= 0; i--, n /= 26) chars[i] = (char)('A' + n % 26);
        return new string(chars);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length == 0 ? 0 : s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>"median (min–max)".</summary>
    private static string Fig(List<double> xs, string format = "N0") =>
        xs.Count == 0 ? "-" : $"{Median(xs).ToString(format, CultureInfo.InvariantCulture)} ({xs.Min().ToString(format, CultureInfo.InvariantCulture)}–{xs.Max().ToString(format, CultureInfo.InvariantCulture)})";
}
