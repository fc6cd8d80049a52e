using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace Portal.Benchmarks.Import;

/// <summary>
/// <c>Portal.Benchmarks import --provider Sqlite|PostgreSql --rows N --mode portal|raw --folder DIR [--admin CONNECTION]</c>:
/// one measured run in a process of its own (so its peak memory is its own). Both modes start Portal on a fresh database
/// (migrations, demo data), create an incident, and generate the same N device rows (a CSV file, before the clock starts).
/// portal: upload the file through the API (text/csv, streamed) and wait for the import to complete (devices + tasks through
/// the job). raw: insert the same devices and one task each with the raw driver in the same tables — SQLite: prepared
/// INSERTs on one connection, a transaction per Portal batch (2,000 rows); PostgreSQL: binary COPY into each table.
/// Prints one line: RESULT mode provider rows seconds rows_per_second peak_kb.
/// </summary>
public static class ImportDriver
{
    /// <summary>The raw SQLite driver commits as often as Portal does: a transaction per Portal batch.</summary>
    private static readonly int RawBatchSize = new Portal.Features.Remediation.DeviceImportOptions().BatchSize;

    public const string Usage = "import --provider Sqlite|PostgreSql --rows N --mode portal|raw --folder DIR [--admin CONNECTION]";

    public static async Task<int> RunAsync(string[] args)
    {
        string? provider = null, mode = null, folder = null, admin = null;
        var rows = 0;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--provider": provider = args[i + 1]; break;
                case "--rows": rows = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--mode": mode = args[i + 1]; break;
                case "--folder": folder = args[i + 1]; break;
                case "--admin": admin = args[i + 1]; break;
                default: await Console.Error.WriteLineAsync($"Unknown argument {args[i]}. Usage: {Usage}"); return 64;
            }
        }
        if (provider is not ("Sqlite" or "PostgreSql") || mode is not ("portal" or "raw") || rows <= 0 || folder is null || (provider == "PostgreSql" && admin is null))
        {
            await Console.Error.WriteLineAsync($"Usage: {Usage}");
            return 64;
        }
        Directory.CreateDirectory(folder);
        var connection = provider == "Sqlite"
            ? $"Data Source={Path.Combine(folder, $"portal-{Guid.NewGuid():N}.db")}"
            : await CreateDatabaseAsync(admin!);

        Environment.SetEnvironmentVariable("ASPNETCORE_ENVIRONMENT", "Development");
        Environment.SetEnvironmentVariable("Database__Provider", provider);
        Environment.SetEnvironmentVariable("Database__SeedDemoData", "true");
        Environment.SetEnvironmentVariable("Database__DemoEscalationClocks", "false");
        Environment.SetEnvironmentVariable("ConnectionStrings__Portal", connection);
        Environment.SetEnvironmentVariable("Remediation__Import__Folder", Path.Combine(folder, "imports"));
        Environment.SetEnvironmentVariable("Remediation__Import__MaxBytes", (1L << 30).ToString(CultureInfo.InvariantCulture));
        Environment.SetEnvironmentVariable("Remediation__Import__MaxRows", "2000000");
        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
        await using var host = new ImportHost();
        // A real socket, as an upload arrives in production: the in-memory test server's client held a copy of the request
        // body (131 MB allocated for a 62 MB file), which counted against Portal's peak memory.
        host.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        host.StartServer();
        var address = host.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address.TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(10) };

        var token = await TokenAsync(client, "maya@harborit.example");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var tenantId = await TenantIdAsync(client, "Northwind Airways");
        using var created = await client.PostAsJsonAsync($"api/v1/tenants/{tenantId}/incidents", new { title = $"Import benchmark {rows}", severity = "Sev1" });
        created.EnsureSuccessStatusCode();
        var incidentId = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

        var file = Path.Combine(folder, $"devices-{rows}-{Guid.NewGuid():N}.csv");
        await WriteCsvAsync(file, rows);

        var clock = Stopwatch.StartNew();
        long done;
        if (mode == "portal")
        {
            done = await ImportThroughPortalAsync(client, incidentId, file);
        }
        else
        {
            done = provider == "Sqlite"
                ? await RawSqliteAsync(connection, tenantId, incidentId, file)
                : await RawPostgreSqlAsync(connection, tenantId, incidentId, file);
        }
        clock.Stop();
        File.Delete(file);
        if (done != rows)
        {
            await Console.Error.WriteLineAsync($"INVALID: {done} tasks for {rows} rows");
            return 3;
        }
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {mode} {provider} {rows} {seconds:0.000} {rows / seconds:0} {PeakKb()}"));
        return 0;
    }

    /// <summary>The generator both modes read: the same hostnames, external ids, sites and tags.</summary>
    private static async Task WriteCsvAsync(string path, int rows)
    {
        await using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        await writer.WriteAsync("hostname,external_id,os,site,tags\n");
        for (var i = 1; i <= rows; i++)
        {
            await writer.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"ws-{i:D7},rmm-{i:D7},Windows 11,Site {i % 97},\"kiosk,floor-{i % 5}\"\n"));
        }
    }

    private static IEnumerable<(string Hostname, string ExternalId, string Os, string Site, string Tags)> Rows(string path)
    {
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var parts = line.Split(',', 4);
            var tags = parts[3][(parts[3].IndexOf(',', StringComparison.Ordinal) + 1)..].Trim('"');
            var site = parts[3][..parts[3].IndexOf(',', StringComparison.Ordinal)];
            yield return (parts[0], parts[1], parts[2], site, "," + string.Join(',', tags.Split(',').Order(StringComparer.Ordinal)) + ",");
        }
    }

    private static async Task<long> ImportThroughPortalAsync(HttpClient client, Guid incidentId, string file)
    {
        await using var stream = File.OpenRead(file);
        using var content = new StreamContent(stream, 1 << 16);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var response = await client.PostAsync($"api/v1/incidents/{incidentId}/device-imports?fileName=bench.csv", content);
        if (response.StatusCode != System.Net.HttpStatusCode.Accepted)
            throw new InvalidOperationException($"Upload answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var url = response.Headers.Location!.ToString().TrimStart('/');
        while (true)
        {
            await Task.Delay(50);
            using var status = JsonDocument.Parse(await client.GetStringAsync(url));
            var state = status.RootElement.GetProperty("status").GetString();
            if (state == "Completed") return status.RootElement.GetProperty("tasksCreated").GetInt64();
            if (state == "Failed") throw new InvalidOperationException($"The import failed: {status.RootElement}");
        }
    }

    private static async Task<long> RawSqliteAsync(string connectionString, Guid tenantId, Guid incidentId, string file)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous=NORMAL;"; // what Portal's connections use on its WAL database (Database:SqliteSynchronous)
            await pragma.ExecuteNonQueryAsync();
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(); // an INTEGER like Portal's ticks; the value does not matter here
        var tenant = tenantId.ToString().ToUpperInvariant();
        var incident = incidentId.ToString().ToUpperInvariant();
        await using var device = connection.CreateCommand();
        device.CommandText = """
            INSERT INTO "Devices" ("Id", "TenantId", "Hostname", "ExternalId", "OperatingSystem", "Site", "Tags", "MatchKey", "CreatedAt", "UpdatedAt")
            VALUES ($id, $tenant, $hostname, $external, $os, $site, $tags, $key, $now, $now)
            """;
        var dId = device.Parameters.Add("$id", SqliteType.Text);
        device.Parameters.AddWithValue("$tenant", tenant);
        var dHost = device.Parameters.Add("$hostname", SqliteType.Text);
        var dExt = device.Parameters.Add("$external", SqliteType.Text);
        var dOs = device.Parameters.Add("$os", SqliteType.Text);
        var dSite = device.Parameters.Add("$site", SqliteType.Text);
        var dTags = device.Parameters.Add("$tags", SqliteType.Text);
        var dKey = device.Parameters.Add("$key", SqliteType.Text);
        device.Parameters.AddWithValue("$now", now);
        await using var task = connection.CreateCommand();
        task.CommandText = """
            INSERT INTO "RemediationTasks" ("Id", "TenantId", "IncidentId", "DeviceId", "Title", "State", "CreatedAt", "UpdatedAt", "Version")
            VALUES ($id, $tenant, $incident, $device, $title, 'Pending', $now, $now, 0)
            """;
        var tId = task.Parameters.Add("$id", SqliteType.Text);
        task.Parameters.AddWithValue("$tenant", tenant);
        task.Parameters.AddWithValue("$incident", incident);
        var tDevice = task.Parameters.Add("$device", SqliteType.Text);
        var tTitle = task.Parameters.Add("$title", SqliteType.Text);
        task.Parameters.AddWithValue("$now", now);

        long count = 0;
        SqliteTransaction? transaction = null;
        foreach (var row in Rows(file))
        {
            if (count % RawBatchSize == 0)
            {
                if (transaction is not null) await transaction.CommitAsync();
                transaction = connection.BeginTransaction();
                device.Transaction = transaction;
                task.Transaction = transaction;
                device.Prepare();
                task.Prepare();
            }
            var id = Guid.CreateVersion7().ToString().ToUpperInvariant();
            dId.Value = id; dHost.Value = row.Hostname; dExt.Value = row.ExternalId; dOs.Value = row.Os; dSite.Value = row.Site; dTags.Value = row.Tags;
            dKey.Value = "ext:" + row.ExternalId;
            await device.ExecuteNonQueryAsync();
            tId.Value = Guid.CreateVersion7().ToString().ToUpperInvariant(); tDevice.Value = id; tTitle.Value = row.Hostname;
            await task.ExecuteNonQueryAsync();
            count++;
        }
        if (transaction is not null) await transaction.CommitAsync();
        return count;
    }

    private static async Task<long> RawPostgreSqlAsync(string connectionString, Guid tenantId, Guid incidentId, string file)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var now = DateTimeOffset.UtcNow;
        var tasks = new List<(Guid Task, Guid Device, string Title)>();
        long count = 0;
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY \"Devices\" (\"Id\", \"TenantId\", \"Hostname\", \"ExternalId\", \"OperatingSystem\", \"Site\", \"Tags\", \"MatchKey\", \"CreatedAt\", \"UpdatedAt\") FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var row in Rows(file))
            {
                var id = Guid.CreateVersion7();
                await copy.StartRowAsync();
                await copy.WriteAsync(id, NpgsqlDbType.Uuid);
                await copy.WriteAsync(tenantId, NpgsqlDbType.Uuid);
                await copy.WriteAsync(row.Hostname, NpgsqlDbType.Varchar);
                await copy.WriteAsync(row.ExternalId, NpgsqlDbType.Varchar);
                await copy.WriteAsync(row.Os, NpgsqlDbType.Varchar);
                await copy.WriteAsync(row.Site, NpgsqlDbType.Varchar);
                await copy.WriteAsync(row.Tags, NpgsqlDbType.Varchar);
                await copy.WriteAsync("ext:" + row.ExternalId, NpgsqlDbType.Varchar);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
                tasks.Add((Guid.CreateVersion7(), id, row.Hostname));
                count++;
            }
            await copy.CompleteAsync();
        }
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY \"RemediationTasks\" (\"Id\", \"TenantId\", \"IncidentId\", \"DeviceId\", \"Title\", \"State\", \"CreatedAt\", \"UpdatedAt\") FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (taskId, deviceId, title) in tasks)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(taskId, NpgsqlDbType.Uuid);
                await copy.WriteAsync(tenantId, NpgsqlDbType.Uuid);
                await copy.WriteAsync(incidentId, NpgsqlDbType.Uuid);
                await copy.WriteAsync(deviceId, NpgsqlDbType.Uuid);
                await copy.WriteAsync(title, NpgsqlDbType.Varchar);
                await copy.WriteAsync("Pending", NpgsqlDbType.Varchar);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
            }
            await copy.CompleteAsync();
        }
        await transaction.CommitAsync();
        return count;
    }

    private static async Task<string> CreateDatabaseAsync(string admin)
    {
        var name = $"portal_bench_{Guid.NewGuid():N}"[..30];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ToString();
    }

    private static async Task<string> TokenAsync(HttpClient client, string email)
    {
        using var response = await client.PostAsJsonAsync("dev/token", new { email });
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("accessToken").GetString()!;
    }

    private static async Task<Guid> TenantIdAsync(HttpClient client, string name)
    {
        using var me = JsonDocument.Parse(await client.GetStringAsync("api/v1/me"));
        return me.RootElement.GetProperty("tenants").EnumerateArray().Single(t => t.GetProperty("name").GetString() == name).GetProperty("tenantId").GetGuid();
    }

    /// <summary>The process's peak resident memory (VmHWM), in KB.</summary>
    private static long PeakKb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        return 0;
    }

    /// <summary>Portal as Program.cs composes it, configured through this process's environment, on Kestrel (loopback, a free port).</summary>
    private sealed class ImportHost : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            builder.UseContentRoot(PortalHost.PortalContentRoot());
        }
    }
}
