using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Domain;

namespace Portal.Benchmarks.Advisories;

public sealed record AdvisoryFanOutOptions(int Msps, int TenantsPerMsp, int DevicesPerTenant, int Clients, int Rounds, string? OutFile)
{
    public const string Usage = "advisory [--msps N] [--tenants-per-msp N] [--devices N] [--clients N] [--rounds N] [--out FILE]";

    public int Tenants => Msps * TenantsPerMsp;

    public static AdvisoryFanOutOptions Parse(string[] args)
    {
        var o = new AdvisoryFanOutOptions(20, 100, 50, 200, 3, null);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. Usage: {Usage}");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--msps" => o with { Msps = Int() },
                "--tenants-per-msp" => o with { TenantsPerMsp = Int() },
                "--devices" => o with { DevicesPerTenant = Int() },
                "--clients" => o with { Clients = Int() },
                "--rounds" => o with { Rounds = Int() },
                "--out" => o with { OutFile = Path.GetFullPath(Next()) },
                _ => throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: {Usage}"),
            };
        }
        if (o.Clients > o.Tenants) throw new ArgumentException("--clients cannot exceed the number of tenants (one client per tenant).");
        return o;
    }
}

/// <summary>
/// Issue 11's benchmark: one provider advisory reaching 2,000 tenants of 20 MSPs with 50 devices each. Portal runs in this
/// process on Kestrel (SQLite, demo data plus the benchmark's own organisations, written through the model before anything
/// is measured). Per round, A B B A:
/// <list type="bullet">
/// <item>A (raw): the rows a fan-out creates — per tenant an incident, its opening timeline entry, its counter row and one
/// task per device — inserted with prepared statements in one transaction, into a copy of the database file (so Portal's
/// own file never holds them).</item>
/// <item>B (Portal): the provider publishes a new advisory (timed: until the last of the connected customer clients has
/// its <c>AdvisoryPublished</c>), then every MSP's engineer runs the fan-out for all its tenants at the same time (timed
/// until the last call answered, and until the last customer client has received the <c>IncidentCreated</c> of its
/// tenant's linked incident).</item>
/// </list>
/// </summary>
public static class AdvisoryFanOutScenario
{
    private const string ProviderName = "Bench Vendor";
    private const string ServiceName = "Bench Agent";
    private static readonly ValueConverter<DateTimeOffset, long> Time = new DateTimeOffsetToBinaryConverter();

    private sealed record Seeded(Guid ProviderId, Guid ServiceId, string PublisherEmail, IReadOnlyList<(Guid MspId, string EngineerEmail)> Msps,
        IReadOnlyList<(Guid TenantId, string Prefix, string CustomerEmail)> Tenants);

    public static async Task<int> RunAsync(string[] args)
    {
        AdvisoryFanOutOptions options;
        try { options = AdvisoryFanOutOptions.Parse(args); }
        catch (ArgumentException e) { await Console.Error.WriteLineAsync(e.Message); return 64; }

        using var host = PortalHost.StartOnKestrel(0);
        var seedWatch = Stopwatch.StartNew();
        var seeded = await SeedAsync(host, options);
        Console.WriteLine($"Seeded {options.Tenants:N0} tenants of {options.Msps} MSPs with {options.Tenants * options.DevicesPerTenant:N0} devices in {seedWatch.Elapsed.TotalSeconds:0.0} s");

        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
        var publisher = await TokenAsync(http, seeded.PublisherEmail);
        var engineers = new Dictionary<Guid, string>();
        foreach (var (mspId, email) in seeded.Msps) engineers[mspId] = await TokenAsync(http, email);

        // One customer client per watched tenant, spread evenly over the tenants (and so over the MSPs).
        var step = options.Tenants / options.Clients;
        var watched = Enumerable.Range(0, options.Clients).Select(i => seeded.Tenants[i * step]).ToList();
        var clients = new List<WatchingCustomer>();
        foreach (var tenant in watched) clients.Add(await WatchingCustomer.ConnectAsync(host.BaseAddress, await TokenAsync(http, tenant.CustomerEmail), tenant.TenantId));
        Console.WriteLine($"{clients.Count} customer clients connected");

        var copy = Path.Combine(Path.GetDirectoryName(host.DatabaseFile)!, "raw-copy.db");
        await CopyDatabaseAsync(host.DatabaseFile, copy);

        var raw = new List<double>();
        var fanOut = new List<double>();
        var lastIncidentEvent = new List<double>();
        var lastPublishedEvent = new List<double>();
        var afterAnswer = new List<double>();
        var mspOf = seeded.Tenants.Select((t, i) => (t.TenantId, Msp: seeded.Msps[i / options.TenantsPerMsp].MspId)).ToDictionary(x => x.TenantId, x => x.Msp);
        // Diagnostic (console only): when each MSP's two units of work ran, from the commands' own spans.
        var spans = new ConcurrentQueue<(string Name, DateTime Start, TimeSpan Duration)>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Portal",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.None,
            ActivityStopped = a => { if (a.DisplayName is "FanOutAdvisory" or "CreateFanOutTasks") spans.Enqueue((a.DisplayName, a.StartTimeUtc, a.Duration)); },
        };
        ActivitySource.AddActivityListener(listener);
        // One unmeasured run of each path first: the JIT, the connection pools and SQLite's caches warm up.
        await RawInsertAsync(copy, seeded, options);
        await PortalRunAsync();
        raw.Clear(); fanOut.Clear(); lastIncidentEvent.Clear(); lastPublishedEvent.Clear(); afterAnswer.Clear();
        for (var round = 0; round < options.Rounds; round++)
        {
            raw.Add(await RawInsertAsync(copy, seeded, options));
            await PortalRunAsync();
            await PortalRunAsync();
            raw.Add(await RawInsertAsync(copy, seeded, options));
        }


        async Task PortalRunAsync()
        {
            spans.Clear();
            var startUtc = DateTime.UtcNow;
            var title = $"Bench advisory {Guid.NewGuid():N}"[..28];
            foreach (var c in clients) c.Expect(title);
            var publishStart = Stopwatch.GetTimestamp();
            var advisoryId = await PublishAsync(http, publisher, seeded, title);
            lastPublishedEvent.Add(await WatchingCustomer.LastAsync(clients, c => c.PublishedAt, publishStart));

            var start = Stopwatch.GetTimestamp();
            var answered = new ConcurrentDictionary<Guid, long>();
            await Task.WhenAll(seeded.Msps.Select(async m =>
            {
                await FanOutAsync(http, engineers[m.MspId], advisoryId);
                answered[m.MspId] = Stopwatch.GetTimestamp();
            }));
            fanOut.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            lastIncidentEvent.Add(await WatchingCustomer.LastAsync(clients, c => c.IncidentAt, start));
            // Delivery on its own: how long after its MSP's call answered each client still waited (negative: the event came first).
            afterAnswer.Add(clients.Max(c => (c.IncidentAt!.Value - answered[mspOf[c.TenantId]]) * 1000.0 / Stopwatch.Frequency));
            foreach (var name in new[] { "FanOutAdvisory", "CreateFanOutTasks" })
            {
                var of = spans.Where(x => x.Name == name).ToList();
                if (of.Count == 0) continue;
                var durations = of.Select(x => x.Duration.TotalMilliseconds).Order().ToList();
                Console.WriteLine($"  {name,-18} x{of.Count}: span p50 {durations[durations.Count / 2]:0} ms, max {durations[^1]:0} ms; " +
                    $"the last ended {(of.Max(x => x.Start + x.Duration) - startUtc).TotalMilliseconds:0} ms after the fan-out's start");
            }
        }

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"- {options.Msps} MSPs × {options.TenantsPerMsp} tenants = {options.Tenants:N0} tenants, {options.DevicesPerTenant} devices each ({options.Tenants * options.DevicesPerTenant:N0} tasks per fan-out); SQLite; {options.Clients} customer clients connected over WebSockets, one per {step}th tenant");
        report.AppendLine(CultureInfo.InvariantCulture, $"- A B B A, {options.Rounds} rounds (A = raw driver: prepared INSERTs in one transaction into a copy of the file; B = Portal: publish, then every MSP's fan-out at once)");
        report.AppendLine();
        report.AppendLine("| measurement | median ms | min–max ms | bar | result |");
        report.AppendLine("|---|---:|---:|---|---|");
        var ratio = Median(fanOut) / Median(raw);
        report.AppendLine(CultureInfo.InvariantCulture, $"| raw insert of the same rows | {Median(raw):0} | {raw.Min():0}–{raw.Max():0} | (baseline) | - |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| Portal fan-out, all MSPs at once | {Median(fanOut):0} | {fanOut.Min():0}–{fanOut.Max():0} | <= 3x raw: **{ratio:0.00}x** | **{(ratio <= 3 ? "PASS" : "FAIL")}** |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| last of {options.Clients} customers has its linked incident (from the fan-out's start) | {Median(lastIncidentEvent):0} | {lastIncidentEvent.Min():0}–{lastIncidentEvent.Max():0} | <= 2,000 | **{(Median(lastIncidentEvent) <= 2000 ? "PASS" : "FAIL")}** |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| the same, after its MSP's fan-out call answered (latest client; negative = before the answer) | {Median(afterAnswer):0} | {afterAnswer.Min():0}–{afterAnswer.Max():0} | <= 2,000 | **{(Median(afterAnswer) <= 2000 ? "PASS" : "FAIL")}** |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| last of {options.Clients} customers has AdvisoryPublished (from the publish request) | {Median(lastPublishedEvent):0} | {lastPublishedEvent.Min():0}–{lastPublishedEvent.Max():0} | <= 2,000 | **{(Median(lastPublishedEvent) <= 2000 ? "PASS" : "FAIL")}** |");
        Console.WriteLine(report);
        if (options.OutFile is { } file) await File.WriteAllTextAsync(file, report.ToString());
        foreach (var c in clients) await c.DisposeAsync();
        return 0; // a FAIL against a bar is a result, not an error
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static async Task<Seeded> SeedAsync(PortalHost host, AdvisoryFanOutOptions options)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = DateTimeOffset.UtcNow;

        var provider = new Organisation(Guid.NewGuid(), ProviderName, OrganisationKind.Provider, Guid.NewGuid());
        var service = new Service(Guid.NewGuid(), provider.Id, ServiceName, ServiceKind.SoftwareProduct);
        var publisher = new User(Guid.NewGuid(), "Bench Publisher", "publisher@benchvendor.example", provider.EntraTenantId!.Value, Guid.NewGuid());
        publisher.Join(provider, Role.ProviderPublisher);
        db.AddRange(provider, service, publisher);

        var msps = new List<(Guid, string)>();
        var tenants = new List<(Guid, string, string)>();
        for (var m = 0; m < options.Msps; m++)
        {
            var msp = new Organisation(Guid.NewGuid(), $"Bench MSP {m + 1:D2}", OrganisationKind.Msp, Guid.NewGuid());
            var engineer = new User(Guid.NewGuid(), $"Engineer {m + 1:D2}", $"engineer{m + 1:D2}@benchmsp.example", msp.EntraTenantId!.Value, Guid.NewGuid());
            engineer.Join(msp, Role.MspEngineer);
            db.AddRange(msp, engineer);
            msps.Add((msp.Id, engineer.Email));
            for (var t = 0; t < options.TenantsPerMsp; t++)
            {
                var n = m * options.TenantsPerMsp + t;
                var prefix = "B" + Letters(n); // capital letters only: BAAAA, BAAAB, …
                var tenant = new Organisation(Guid.NewGuid(), $"Bench Customer {n:D4}", OrganisationKind.Customer, Guid.NewGuid(), prefix);
                var customer = new User(Guid.NewGuid(), $"Customer {n:D4}", $"customer{n:D4}@benchcustomer.example", tenant.EntraTenantId!.Value, Guid.NewGuid());
                customer.Join(tenant, Role.CustomerViewer);
                db.AddRange(tenant, customer, new MspContract(Guid.NewGuid(), msp.Id, tenant.Id, now.AddYears(-1)),
                    new ServiceSubscription(Guid.NewGuid(), tenant.Id, service.Id, null));
                for (var d = 0; d < options.DevicesPerTenant; d++)
                    db.Add(Device.Register(tenant.Id, $"{prefix}-WS-{d:D4}", $"{prefix.ToLowerInvariant()}-{d:D5}", "Windows 11 23H2", d % 3 == 0 ? "Branch" : "HQ", ["workstation"], now));
                tenants.Add((tenant.Id, prefix, customer.Email));
            }
            await db.SaveChangesAsync();
            db.ChangeTracker.Clear();
        }
        return new Seeded(provider.Id, service.Id, publisher.Email, msps, tenants);
    }

    private static string Letters(int n)
    {
        var chars = new char[4];
        for (var i = 3; i >= 0; i--, n /= 26) chars[i] = (char)('A' + n % 26);
        return new string(chars);
    }

    private static async Task CopyDatabaseAsync(string from, string to)
    {
        await using var connection = new SqliteConnection($"Data Source={from}");
        await connection.OpenAsync();
        await using var vacuum = connection.CreateCommand();
        vacuum.CommandText = "VACUUM INTO $to";
        vacuum.Parameters.AddWithValue("$to", to);
        await vacuum.ExecuteNonQueryAsync();
    }

    /// <summary>The baseline: what one fan-out writes for every tenant, with prepared INSERTs in one transaction (synchronous=NORMAL as Portal).</summary>
    private static async Task<double> RawInsertAsync(string file, Seeded seeded, AdvisoryFanOutOptions options)
    {
        await using var connection = new SqliteConnection($"Data Source={file}");
        await connection.OpenAsync();
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
            await pragma.ExecuteNonQueryAsync();
        }
        // The devices are read before the clock starts: Portal's fan-out reads them too, but so would any writer.
        var devices = new Dictionary<string, List<(string Id, string Host)>>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = """SELECT "TenantId", "Id", "Hostname" FROM "Devices" WHERE "TenantId" IN (SELECT "CustomerId" FROM "Subscriptions" WHERE "ServiceId" = $s)""";
            read.Parameters.AddWithValue("$s", seeded.ServiceId.ToString().ToUpperInvariant());
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var tenant = reader.GetString(0);
                if (!devices.TryGetValue(tenant, out var list)) devices[tenant] = list = [];
                list.Add((reader.GetString(1), reader.GetString(2)));
            }
        }

        var watch = Stopwatch.StartNew();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        var now = DateTimeOffset.UtcNow;
        var at = (long)Time.ConvertToProvider(now)!;
        var incident = Prepared(connection, """
            INSERT INTO "Incidents" ("Id", "TenantId", "Number", "Reference", "Title", "CustomerSummary", "Severity", "Status", "AdvisoryId", "CreatedById", "CreatedAt", "UpdatedAt", "TimelineLength", "CustomerTimelineLength", "Version")
            VALUES ($id, $t, $n, $ref, 'Bench Vendor: raw', 'raw', 'Sev1', 'New', $a, $u, $at, $at, 1, 1, 0)
            """, "$id", "$t", "$n", "$ref", "$a", "$u", "$at");
        var entry = Prepared(connection, """
            INSERT INTO "TimelineEntries" ("Id", "IncidentId", "TenantId", "Sequence", "CustomerSequence", "At", "ActorId", "ActorName", "Kind", "Visibility", "Text")
            VALUES ($id, $i, $t, 1, 1, $at, $u, 'Engineer', 'Opened', 'Customer', 'Opened Sev1: raw')
            """, "$id", "$i", "$t", "$at", "$u");
        var task = Prepared(connection, """
            INSERT INTO "RemediationTasks" ("Id", "TenantId", "IncidentId", "DeviceId", "Title", "State", "CreatedAt", "UpdatedAt", "Version")
            VALUES ($id, $t, $i, $d, $title, 'Pending', $at, $at, 0)
            """, "$id", "$t", "$i", "$d", "$title", "$at");
        var progress = Prepared(connection, """
            INSERT INTO "RemediationProgress" ("IncidentId", "TenantId", "Pending", "InProgress", "Blocked", "Done", "Failed", "NotApplicable", "UpdatedAt", "Version")
            VALUES ($i, $t, $n, 0, 0, 0, 0, 0, $at, 0)
            """, "$i", "$t", "$n", "$at");
        foreach (var command in new[] { incident, entry, task, progress }) command.Transaction = transaction;

        var number = 1_000_000 + Random.Shared.Next(1_000_000);
        var advisory = Guid.NewGuid().ToString().ToUpperInvariant();
        foreach (var (tenantId, prefix, _) in seeded.Tenants)
        {
            var t = tenantId.ToString().ToUpperInvariant();
            var i = Guid.CreateVersion7(now).ToString().ToUpperInvariant();
            number++;
            Set(incident, i, t, number, $"{prefix}-{number}", advisory, Guid.Empty.ToString().ToUpperInvariant(), at);
            await incident.ExecuteNonQueryAsync();
            Set(entry, Guid.NewGuid().ToString().ToUpperInvariant(), i, t, at, Guid.Empty.ToString().ToUpperInvariant());
            await entry.ExecuteNonQueryAsync();
            var list = devices.GetValueOrDefault(t) ?? [];
            foreach (var (deviceId, hostname) in list)
            {
                Set(task, Guid.CreateVersion7(now).ToString().ToUpperInvariant(), t, i, deviceId, hostname, at);
                await task.ExecuteNonQueryAsync();
            }
            Set(progress, i, t, list.Count, at);
            await progress.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
        watch.Stop();
        foreach (var command in new[] { incident, entry, task, progress }) await command.DisposeAsync();
        return watch.Elapsed.TotalMilliseconds;
    }

    private static SqliteCommand Prepared(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var p in parameters) command.Parameters.Add(new SqliteParameter(p, null));
        return command;
    }

    private static void Set(SqliteCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i];
    }

    private static async Task<string> TokenAsync(HttpClient http, string email)
    {
        using var response = await http.PostAsJsonAsync("dev/token", new { email });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private static async Task<Guid> PublishAsync(HttpClient http, string token, Seeded seeded, string title)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/providers/{seeded.ProviderId}/advisories")
        {
            Content = JsonContent.Create(new { title, severity = "Sev1", impact = "Machines fail to start after the agent update.", runbook = "1. Safe mode\n2. Delete the file\n3. Reboot", serviceIds = new[] { seeded.ServiceId } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"publish answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task FanOutAsync(HttpClient http, string token, Guid advisoryId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/advisories/{advisoryId}/fan-out") { Content = JsonContent.Create(new { }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"fan-out answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A customer's status page, as a client: its connection, and when this round's events for its tenant arrived.</summary>
    private sealed class WatchingCustomer : IAsyncDisposable
    {
        private readonly HubConnection _connection;
        private string _title = "";

        private WatchingCustomer(HubConnection connection, Guid tenantId)
        {
            _connection = connection;
            TenantId = tenantId;
        }

        public Guid TenantId { get; }
        public long? PublishedAt { get; private set; }
        public long? IncidentAt { get; private set; }

        public static async Task<WatchingCustomer> ConnectAsync(Uri baseAddress, string token, Guid tenantId)
        {
            var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(baseAddress, "hubs/status"), HttpTransportType.WebSockets, o =>
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                    o.SkipNegotiation = true;
                })
                .Build();
            var client = new WatchingCustomer(connection, tenantId);
            connection.On<JsonElement>("AdvisoryPublished", e =>
            {
                if (e.GetProperty("title").GetString() == client._title) client.PublishedAt ??= Stopwatch.GetTimestamp();
            });
            connection.On<JsonElement>("IncidentCreated", e =>
            {
                if (e.GetProperty("incident").GetProperty("title").GetString()?.EndsWith(client._title, StringComparison.Ordinal) == true)
                    client.IncidentAt ??= Stopwatch.GetTimestamp();
            });
            await connection.StartAsync();
            return client;
        }

        public void Expect(string title)
        {
            _title = title;
            PublishedAt = null;
            IncidentAt = null;
        }

        /// <summary>Milliseconds from <paramref name="start"/> until the last client had its event (waits up to 60 s).</summary>
        public static async Task<double> LastAsync(IReadOnlyList<WatchingCustomer> clients, Func<WatchingCustomer, long?> at, long start)
        {
            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
            while (clients.Any(c => at(c) is null))
            {
                if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"{clients.Count(c => at(c) is null)} of {clients.Count} clients never received their event.");
                await Task.Delay(5);
            }
            return Stopwatch.GetElapsedTime(start, clients.Max(c => at(c)!.Value)).TotalMilliseconds;
        }

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }
}
