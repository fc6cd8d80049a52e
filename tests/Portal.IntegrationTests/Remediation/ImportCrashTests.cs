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
/// decides the Hangfire storage (docs/capabilities.md, "Background jobs").
/// </summary>
[Collection(PortalProcessCollection.Name)]
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
        await using var db = new PortalDbContext((DbContextOptions<PortalDbContext>)options).Use(scope);
        return await read(db);
    }
}
