using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Data;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// Crash safety of the import, with Portal as a real process (dotnet Portal.Web.dll): a large file is uploaded, the process
/// is killed with SIGKILL while the import is between its first and last batch, a new process starts on the same database
/// (and, on SQLite, the same Hangfire file), and the import must complete with every device and task exactly once, the
/// progress counters equal to a direct count, and the import's own counts consistent. On the embedded default this test
/// decides the Hangfire storage (docs/architecture.md, "Background jobs").
/// </summary>
public sealed class ImportCrashTests(PostgresServer postgres)
{
    private const int Rows = 200_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Killed_mid_import_on_SQLite_the_import_resumes_after_a_restart_and_every_row_counts_once()
    {
        var folder = Directory.CreateTempSubdirectory("portal-crash-").FullName;
        try
        {
            await KillAndResumeAsync(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(folder, "portal.db")}", folder);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Killed_mid_import_on_PostgreSQL_the_import_resumes_after_a_restart_and_every_row_counts_once()
    {
        var folder = Directory.CreateTempSubdirectory("portal-crash-").FullName;
        try
        {
            await KillAndResumeAsync(DatabaseProvider.PostgreSql, await postgres.CreateDatabaseAsync("portal_crash"), folder);
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task KillAndResumeAsync(DatabaseProvider provider, string connectionString, string folder)
    {
        var p = "c" + Guid.NewGuid().ToString("N")[..8];
        var csv = new StringBuilder("hostname,external_id,site\n", Rows * 40);
        for (var i = 1; i <= Rows; i++) csv.Append("crash-").Append(p).Append('-').Append(i).Append(',').Append(p).Append('-').Append(i).Append(",Plant ").Append(i % 13).Append('\n');

        Guid importId, incidentId, tenantId;
        long linesAtKill;
        await using (var first = await PortalProcess.StartAsync(provider, connectionString, folder))
        {
            using var maya = await first.ClientForAsync(DemoDirectory.Maya);
            tenantId = await TenantIdAsync(maya, DemoDirectory.Northwind);
            var (incident, created) = await maya.CreateIncidentAsync(tenantId, "Crash test import", "Sev1");
            created.Dispose();
            incidentId = incident.Id;
            var started = await maya.StartImportAsync(incidentId, csv.ToString(), "plant-floor.csv");
            importId = started.Id;

            // Wait until some batches have committed, then kill the process without warning (SIGKILL).
            var deadline = DateTime.UtcNow.AddSeconds(60);
            ImportDto now;
            while (true)
            {
                now = await maya.GetImportAsync(importId);
                if (now.LinesDone > 1 || now.IsFinished || DateTime.UtcNow > deadline) break;
                await Task.Delay(50, Ct);
            }
            now.IsFinished.ShouldBeFalse("the import finished before the kill: the test proves nothing; make its batches smaller or slower");
            now.LinesDone.ShouldBeGreaterThan(1, $"no batch committed within a minute: {now}");
            first.Kill();
            linesAtKill = now.LinesDone;
        }

        var afterKill = await ReadAsync(provider, connectionString, db => db.DeviceImports.AsNoTracking().SingleAsync(i => i.Id == importId));
        afterKill.Status.ShouldBe(DeviceImportStatus.Running);
        afterKill.LinesDone.ShouldBeGreaterThanOrEqualTo(linesAtKill);
        afterKill.LinesDone.ShouldBeLessThan(Rows + 1, "killed mid-import");
        // Whole batches only: what the import says it did is what the database holds.
        (await CountTasksAsync(provider, connectionString, incidentId)).ShouldBe((int)afterKill.TasksCreated);

        await using (var second = await PortalProcess.StartAsync(provider, connectionString, folder))
        {
            using var maya = await second.ClientForAsync(DemoDirectory.Maya);
            var done = await maya.WaitForImportAsync(importId, TimeSpan.FromSeconds(150));
            done.Status.ShouldBe("Completed", $"{done}\n{second.Output}");
            (done.RowsRead, done.DevicesCreated, done.TasksCreated, done.RowsUnchanged, done.ErrorCount, done.LinesDone)
                .ShouldBe((Rows, Rows, Rows, 0L, 0L, Rows + 1L));
        }

        await ReadAsync(provider, connectionString, async db =>
        {
            (await db.Devices.CountAsync(d => d.TenantId == tenantId && d.MatchKey.StartsWith("ext:" + p + "-"))).ShouldBe(Rows);
            var tasks = db.RemediationTasks.Where(t => t.IncidentId == incidentId);
            (await tasks.CountAsync()).ShouldBe(Rows);
            (await tasks.Select(t => t.DeviceId).Distinct().CountAsync()).ShouldBe(Rows);
            var progress = await db.RemediationProgress.AsNoTracking().SingleAsync(x => x.IncidentId == incidentId);
            progress.Pending.ShouldBe(await tasks.CountAsync(t => t.State == RemediationState.Pending), "the counter equals a direct count");
            (progress.Pending + progress.InProgress + progress.Blocked + progress.Done + progress.Failed + progress.NotApplicable).ShouldBe(Rows);
            (await db.DeviceImportErrors.CountAsync(e => e.ImportId == importId)).ShouldBe(0);
            (await db.TimelineEntries.CountAsync(t => t.IncidentId == incidentId && t.Kind == TimelineEntryKind.Remediation)).ShouldBe(1);
            return 0;
        });
        Directory.GetFiles(Path.Combine(folder, "imports")).ShouldBeEmpty("the finished import's file is removed");
    }

    private static async Task<Guid> TenantIdAsync(HttpClient client, string name)
    {
        using var me = JsonDocument.Parse(await client.GetStringAsync("/api/v1/me", Ct));
        return me.RootElement.GetProperty("tenants").EnumerateArray().Single(t => t.GetProperty("name").GetString() == name).GetProperty("tenantId").GetGuid();
    }

    private static Task<int> CountTasksAsync(DatabaseProvider provider, string connectionString, Guid incidentId) =>
        ReadAsync(provider, connectionString, db => db.RemediationTasks.CountAsync(t => t.IncidentId == incidentId));

    /// <summary>The database read directly, with system access: the oracle.</summary>
    private static async Task<T> ReadAsync<T>(DatabaseProvider provider, string connectionString, Func<PortalDbContext, Task<T>> read)
    {
        var options = DatabaseSetup.Configure(new DbContextOptionsBuilder<PortalDbContext>(), provider, connectionString).Options;
        var scope = new TenantScope();
        scope.UseSystemAccess();
        await using var db = new PortalDbContext((DbContextOptions<PortalDbContext>)options, scope);
        return await read(db);
    }
}

/// <summary>Portal.Web.dll in a process of its own (Development, demo data), on a free loopback port.</summary>
public sealed class PortalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private PortalProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <param name="settings">More settings, as environment variables (e.g. <c>Notifications__FastPath</c>, <c>Testing__ClockOffset</c>).</param>
    public static async Task<PortalProcess> StartAsync(DatabaseProvider provider, string connectionString, string folder, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var dll = PortalWebDll();
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["Database__Provider"] = provider.ToString();
        info.Environment["ConnectionStrings__Portal"] = connectionString;
        info.Environment["Database__SeedDemoData"] = "true";
        info.Environment["Remediation__Import__Folder"] = Path.Combine(folder, "imports");
        info.Environment["Remediation__Import__BatchSize"] = "2000";
        info.Environment["Remediation__Import__PauseBetweenBatches"] = "00:00:00.050";
        info.Environment["Remediation__Import__StaleAfter"] = "00:00:03";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var portal = new PortalProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => portal.Append(e.Data);
        process.ErrorDataReceived += (_, e) => portal.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = new HttpClient { BaseAddress = portal.Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"Portal exited with {process.ExitCode}:\n{portal.Output}");
            try
            {
                using var live = await probe.GetAsync("/health/ready");
                if (live.IsSuccessStatusCode) return portal;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Portal did not answer /health/ready:\n{portal.Output}");
            await Task.Delay(200);
        }
    }

    public async Task<HttpClient> ClientForAsync(string email)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        using var response = await client.PostAsJsonAsync("/dev/token", new { email });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.RootElement.GetProperty("accessToken").GetString());
        return client;
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing, the way a crash or an OOM kill ends a process.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(30_000);
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    /// <summary>src/Portal.Web/bin/(this build's configuration)/net10.0/Portal.Web.dll, found from this test's folder.</summary>
    private static string PortalWebDll()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = here.Parent?.Name ?? "Debug"; // …/bin/Debug/net10.0/
        for (var folder = here; folder is not null; folder = folder.Parent)
        {
            var dll = Path.Combine(folder.FullName, "src", "Portal.Web", "bin", configuration, "net10.0", "Portal.Web.dll");
            if (File.Exists(dll)) return dll;
        }
        throw new FileNotFoundException($"Portal.Web.dll ({configuration}) not found above {AppContext.BaseDirectory}; build the solution first.");
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }
}
