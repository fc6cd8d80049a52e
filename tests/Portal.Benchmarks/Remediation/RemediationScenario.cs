using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Benchmarks.Remediation;

public sealed record RemediationOptions(int RollupTasks, int PageTasks, int BulkTasks, int Requests, int Rounds, string? OutFile)
{
    public const string Usage = "remediation [--rollup-tasks N] [--page-tasks N] [--bulk-tasks N] [--requests N] [--rounds N] [--out FILE]";

    public static RemediationOptions Parse(string[] args)
    {
        var o = new RemediationOptions(1_000_000, 50_000, 50_000, 400, 3, null);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. Usage: {Usage}");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--rollup-tasks" => o with { RollupTasks = Int() },
                "--page-tasks" => o with { PageTasks = Int() },
                "--bulk-tasks" => o with { BulkTasks = Int() },
                "--requests" => o with { Requests = Int() },
                "--rounds" => o with { Rounds = Int() },
                "--out" => o with { OutFile = Path.GetFullPath(Next()) },
                _ => throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: {Usage}"),
            };
        }
        return o;
    }
}

/// <summary>
/// Scenario 4 (remediation reads and bulk writes). Portal runs in this process on Kestrel (SQLite file, demo data); three
/// incidents of Northwind Airways get tasks written with the raw driver (the same rows an import would make), then:
/// <list type="number">
/// <item>progress roll-up of an incident with <c>--rollup-tasks</c> tasks: Portal's <c>GET /api/v1/incidents/{id}/progress</c>
/// (maintained counters) against a bare endpoint in the same process running the direct <c>COUNT … GROUP BY State</c>;</item>
/// <item>first page (100) of an incident with <c>--page-tasks</c> tasks: Portal's task list against a bare endpoint running the
/// same keyset SELECT with the raw driver;</item>
/// <item>bulk update of <c>--bulk-tasks</c> tasks to Done: Portal's bulk API (10,000 external ids per call) against one raw
/// UPDATE of the same rows (on a copy of them).</item>
/// </list>
/// Latencies are one client, one request at a time (what a page load or a poller sees), A B B A per round.
/// </summary>
public static class RemediationScenario
{
    private const string MspEmail = "maya@harborit.example";
    private const string TenantName = "Northwind Airways";

    public static async Task<int> RunAsync(string[] args)
    {
        RemediationOptions options;
        try { options = RemediationOptions.Parse(args); }
        catch (ArgumentException e) { await Console.Error.WriteLineAsync(e.Message); return 64; }

        using var host = PortalHost.StartOnKestrel(0, services => services.AddSingleton<IStartupFilter>(new BareRemediationEndpoints()));
        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        var token = await TokenAsync(client, MspEmail);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var tenantId = await TenantIdAsync(client);
        var incidents = await IncidentIdsAsync(client, tenantId);
        if (incidents.Count < 3) throw new InvalidOperationException($"{TenantName} needs three incidents in the demo data; it has {incidents.Count}.");
        var (rollupIncident, pageIncident, bulkIncident) = (incidents[0], incidents[1], incidents[2]);

        var connection = $"Data Source={host.DatabaseFile}";
        var seed = Stopwatch.StartNew();
        await Seeder.AddTasksAsync(connection, tenantId, rollupIncident, options.RollupTasks, "rollup");
        await Seeder.AddTasksAsync(connection, tenantId, pageIncident, options.PageTasks, "page");
        var bulkIds = await Seeder.AddTasksAsync(connection, tenantId, bulkIncident, options.BulkTasks, "bulk");
        Console.WriteLine($"Seeded {options.RollupTasks + options.PageTasks + options.BulkTasks:N0} tasks with the raw driver in {seed.Elapsed.TotalSeconds:0.0} s");

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"- tasks: roll-up incident {options.RollupTasks:N0}, paged incident {options.PageTasks:N0}, bulk incident {options.BulkTasks:N0} (all of {TenantName}, SQLite)");
        report.AppendLine(CultureInfo.InvariantCulture, $"- one client, one request at a time; {options.Requests} requests per run after 50 unmeasured; A B B A, {options.Rounds} rounds (A = bare endpoint, B = Portal)");
        report.AppendLine();
        report.AppendLine("| measurement | path | p50 ms | p99 ms | bar | result |");
        report.AppendLine("|---|---|---:|---:|---|---|");

        var rollup = await AbbaAsync(client, options, $"bench-remediation/count/{rollupIncident}", $"api/v1/incidents/{rollupIncident}/progress");
        Row(report, $"progress roll-up, {options.RollupTasks:N0} tasks", rollup, "Portal p99 <= 5 ms", rollup.Portal.P99 <= 5);
        var page = await AbbaAsync(client, options, $"bench-remediation/first-page/{pageIncident}", $"api/v1/incidents/{pageIncident}/tasks?limit=100");
        Row(report, $"first page (100) of {options.PageTasks:N0} tasks", page, "Portal p99 <= 50 ms", page.Portal.P99 <= 50);

        // Bulk: the raw UPDATE first, on a copy of the incident's rows (so both start from Pending), then Portal's API.
        var raw = await Seeder.RawBulkDoneAsync(connection, bulkIncident);
        var portal = Stopwatch.StartNew();
        foreach (var chunk in bulkIds.Chunk(10_000))
        {
            using var response = await client.PostAsJsonAsync($"api/v1/incidents/{bulkIncident}/tasks/bulk-state",
                new { state = "Done", items = chunk.Select(e => new { externalId = e }), summary = "marked Done by the benchmark" });
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"bulk update answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        portal.Stop();
        var ratio = raw.TotalMilliseconds / portal.Elapsed.TotalMilliseconds;
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| bulk update of {options.BulkTasks:N0} tasks to Done | raw UPDATE {raw.TotalMilliseconds:0} ms; Portal {Math.Ceiling(options.BulkTasks / 10_000.0)} calls {portal.Elapsed.TotalMilliseconds:0} ms | | | ratio {ratio:0.00}x (raw ÷ Portal) | - |");

        Console.WriteLine(report);
        if (options.OutFile is { } file) await File.WriteAllTextAsync(file, report.ToString());
        return rollup.Portal.P99 <= 5 && page.Portal.P99 <= 50 ? 0 : 0; // a FAIL against a bar is a result, not an error
    }

    private static void Row(StringBuilder report, string what, (Latency Bare, Latency Portal) r, string bar, bool pass)
    {
        report.AppendLine(CultureInfo.InvariantCulture, $"| {what} | bare | {r.Bare.P50:0.00} ({r.Bare.P50Min:0.00}–{r.Bare.P50Max:0.00}) | {r.Bare.P99:0.00} ({r.Bare.P99Min:0.00}–{r.Bare.P99Max:0.00}) | (baseline) | - |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| {what} | Portal | {r.Portal.P50:0.00} ({r.Portal.P50Min:0.00}–{r.Portal.P50Max:0.00}) | {r.Portal.P99:0.00} ({r.Portal.P99Min:0.00}–{r.Portal.P99Max:0.00}) | {bar} | **{(pass ? "PASS" : "FAIL")}** |");
    }

    /// <summary>Median over runs of each run's p50 and p99, with the min–max over runs.</summary>
    public sealed record Latency(double P50, double P50Min, double P50Max, double P99, double P99Min, double P99Max)
    {
        public static Latency Of(List<(double P50, double P99)> runs)
        {
            static double Median(IEnumerable<double> xs) { var s = xs.Order().ToArray(); return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2; }
            return new(Median(runs.Select(r => r.P50)), runs.Min(r => r.P50), runs.Max(r => r.P50), Median(runs.Select(r => r.P99)), runs.Min(r => r.P99), runs.Max(r => r.P99));
        }
    }

    private static async Task<(Latency Bare, Latency Portal)> AbbaAsync(HttpClient client, RemediationOptions options, string bare, string portal)
    {
        var bareRuns = new List<(double, double)>();
        var portalRuns = new List<(double, double)>();
        await RunAsync(client, bare, 50);
        await RunAsync(client, portal, 50);
        for (var round = 0; round < options.Rounds; round++)
        {
            bareRuns.Add(await RunAsync(client, bare, options.Requests));
            portalRuns.Add(await RunAsync(client, portal, options.Requests));
            portalRuns.Add(await RunAsync(client, portal, options.Requests));
            bareRuns.Add(await RunAsync(client, bare, options.Requests));
        }
        return (Latency.Of(bareRuns), Latency.Of(portalRuns));
    }

    private static async Task<(double P50, double P99)> RunAsync(HttpClient client, string url, int requests)
    {
        var times = new double[requests];
        for (var i = 0; i < requests; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseContentRead);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}");
        }
        Array.Sort(times);
        return (times[(int)(requests * 0.50)], times[Math.Min(requests - 1, (int)Math.Ceiling(requests * 0.99) - 1)]);
    }

    private static async Task<string> TokenAsync(HttpClient client, string email)
    {
        using var response = await client.PostAsJsonAsync("dev/token", new { email });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private static async Task<Guid> TenantIdAsync(HttpClient client)
    {
        var me = await client.GetFromJsonAsync<JsonElement>("api/v1/me");
        foreach (var tenant in me.GetProperty("tenants").EnumerateArray())
            if (tenant.GetProperty("name").GetString() == TenantName) return tenant.GetProperty("tenantId").GetGuid();
        throw new InvalidOperationException($"{MspEmail} does not manage {TenantName}.");
    }

    private static async Task<List<Guid>> IncidentIdsAsync(HttpClient client, Guid tenantId)
    {
        var page = await client.GetFromJsonAsync<JsonElement>($"api/v1/incidents?tenantId={tenantId}&pageSize=50");
        return [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];
    }

    /// <summary>The baselines: the same questions answered with the raw driver, no authentication, no Portal pipeline.</summary>
    private sealed class BareRemediationEndpoints : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.MapWhen(c => c.Request.Path.StartsWithSegments("/bench-remediation", StringComparison.Ordinal), bench =>
            {
                bench.UseRouting();
                bench.UseEndpoints(e =>
                {
                    e.MapGet("/bench-remediation/count/{incidentId:guid}", (Guid incidentId, IConfiguration config) =>
                        Query(config, """SELECT "State", COUNT(*) FROM "RemediationTasks" WHERE "IncidentId" = $id GROUP BY "State" """, incidentId));
                    e.MapGet("/bench-remediation/first-page/{incidentId:guid}", (Guid incidentId, IConfiguration config) =>
                        Query(config, """
                            SELECT t."Id", t."Title", t."State", t."Reason", t."UpdatedAt", d."Hostname", d."ExternalId", d."Site", d."Tags", d."OperatingSystem"
                            FROM "RemediationTasks" t LEFT JOIN "Devices" d ON d."Id" = t."DeviceId"
                            WHERE t."IncidentId" = $id ORDER BY t."Id" LIMIT 101
                            """, incidentId));
                });
            });
            next(app);
        };

        private static IResult Query(IConfiguration config, string sql, Guid incidentId)
        {
            using var connection = new SqliteConnection(config.GetConnectionString("Portal"));
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("$id", incidentId.ToString().ToUpperInvariant());
            using var reader = command.ExecuteReader();
            var rows = new List<object?[]>();
            while (reader.Read())
            {
                var row = new object?[reader.FieldCount];
                reader.GetValues(row!);
                rows.Add(row);
            }
            return Results.Json(rows);
        }
    }
}

/// <summary>Writes devices, tasks and the incident's counter row with the raw driver, as an import's batches would.</summary>
internal static class Seeder
{
    private static readonly ValueConverter<DateTimeOffset, long> Time = new DateTimeOffsetToBinaryConverter();

    public static async Task<List<string>> AddTasksAsync(string connectionString, Guid tenantId, Guid incidentId, int count, string prefix)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        var now = DateTimeOffset.UtcNow;
        var at = (long)Time.ConvertToProvider(now)!;
        var tenant = tenantId.ToString().ToUpperInvariant();
        var incident = incidentId.ToString().ToUpperInvariant();

        await using var device = connection.CreateCommand();
        device.CommandText = """
            INSERT INTO "Devices" ("Id", "TenantId", "Hostname", "ExternalId", "OperatingSystem", "Site", "Tags", "MatchKey", "CreatedAt", "UpdatedAt")
            VALUES ($id, $t, $h, $e, 'Windows 11 23H2', $s, ',bench,', $k, $at, $at)
            """;
        var dId = device.Parameters.Add("$id", SqliteType.Text); device.Parameters.AddWithValue("$t", tenant);
        var dHost = device.Parameters.Add("$h", SqliteType.Text); var dExt = device.Parameters.Add("$e", SqliteType.Text);
        var dSite = device.Parameters.Add("$s", SqliteType.Text); var dKey = device.Parameters.Add("$k", SqliteType.Text);
        device.Parameters.AddWithValue("$at", at);
        device.Prepare();

        await using var task = connection.CreateCommand();
        task.CommandText = """
            INSERT INTO "RemediationTasks" ("Id", "TenantId", "IncidentId", "DeviceId", "Title", "State", "CreatedAt", "UpdatedAt", "Version")
            VALUES ($id, $t, $i, $d, $title, 'Pending', $at, $at, 0)
            """;
        var tId = task.Parameters.Add("$id", SqliteType.Text); task.Parameters.AddWithValue("$t", tenant); task.Parameters.AddWithValue("$i", incident);
        var tDevice = task.Parameters.Add("$d", SqliteType.Text); var tTitle = task.Parameters.Add("$title", SqliteType.Text);
        task.Parameters.AddWithValue("$at", at);
        task.Prepare();

        var externalIds = new List<string>(count);
        for (var n = 0; n < count; n++)
        {
            var deviceId = Guid.CreateVersion7(now).ToString().ToUpperInvariant();
            var host = $"{prefix}-{n:D7}";
            var ext = $"bench-{prefix}-{n:D7}";
            dId.Value = deviceId; dHost.Value = host; dExt.Value = ext; dSite.Value = n % 3 == 0 ? "Branch" : "HQ"; dKey.Value = "ext:" + ext;
            await device.ExecuteNonQueryAsync();
            tId.Value = Guid.CreateVersion7(now).ToString().ToUpperInvariant(); tDevice.Value = deviceId; tTitle.Value = host;
            await task.ExecuteNonQueryAsync();
            externalIds.Add(ext);
        }

        await using var progress = connection.CreateCommand();
        progress.CommandText = """
            INSERT INTO "RemediationProgress" ("IncidentId", "TenantId", "Pending", "InProgress", "Blocked", "Done", "Failed", "NotApplicable", "UpdatedAt", "Version")
            VALUES ($i, $t, $n, 0, 0, 0, 0, 0, $at, 0)
            ON CONFLICT ("IncidentId") DO UPDATE SET "Pending" = "Pending" + $n
            """;
        progress.Parameters.AddWithValue("$i", incident); progress.Parameters.AddWithValue("$t", tenant);
        progress.Parameters.AddWithValue("$n", count); progress.Parameters.AddWithValue("$at", at);
        await progress.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
        return externalIds;
    }

    /// <summary>The baseline of the bulk update: the same rows (copied into a scratch table) set to Done by one raw UPDATE.</summary>
    public static async Task<TimeSpan> RawBulkDoneAsync(string connectionString, Guid incidentId)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using (var copy = connection.CreateCommand())
        {
            copy.CommandText = """
                DROP TABLE IF EXISTS "BenchTasks";
                CREATE TABLE "BenchTasks" AS SELECT * FROM "RemediationTasks" WHERE "IncidentId" = $i;
                CREATE INDEX "IX_BenchTasks_DeviceId" ON "BenchTasks" ("DeviceId");
                """;
            copy.Parameters.AddWithValue("$i", incidentId.ToString().ToUpperInvariant());
            await copy.ExecuteNonQueryAsync();
        }
        var watch = Stopwatch.StartNew();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var update = connection.CreateCommand();
        update.CommandText = """UPDATE "BenchTasks" SET "State" = 'Done', "Version" = "Version" + 1 WHERE "State" <> 'Done'""";
        await update.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
        watch.Stop();
        return watch.Elapsed;
    }
}
