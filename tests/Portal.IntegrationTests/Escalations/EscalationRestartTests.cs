using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Data;

namespace Portal.IntegrationTests.Escalations;

/// <summary>
/// Restart safety with Portal as a real process: an incident opens, the process stops (SIGKILL) before its due time, a new process
/// starts "after" the due time, and the escalation happens exactly once. Instead of waiting 15 real minutes, the second process runs
/// with <c>Testing:ClockOffset</c> = 20 minutes (honoured only in Development: its TimeProvider is the system clock plus the offset),
/// so the delayed Hangfire job of the first process (due in 15 real minutes) cannot be what fires it: the sweep at start must.
/// </summary>
[Collection(PortalProcessCollection.Name)]
public sealed class EscalationRestartTests(PostgresServer postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task On_SQLite_an_escalation_due_while_Portal_was_down_fires_once_after_the_restart()
    {
        var folder = Directory.CreateTempSubdirectory("portal-escalation-").FullName;
        try
        {
            await StopAndRestartAsync(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(folder, "portal.db")}", folder);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task On_PostgreSQL_an_escalation_due_while_Portal_was_down_fires_once_after_the_restart()
    {
        var folder = Directory.CreateTempSubdirectory("portal-escalation-").FullName;
        try
        {
            await StopAndRestartAsync(DatabaseProvider.PostgreSql, await postgres.CreateDatabaseAsync("portal_escalation"), folder);
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task StopAndRestartAsync(DatabaseProvider provider, string connectionString, string folder)
    {
        Guid incidentId;
        await using (var first = await PortalProcess.StartAsync(provider, connectionString, folder))
        {
            using var maya = await first.ClientForAsync(DemoDirectory.Maya);
            using var me = JsonDocument.Parse(await maya.GetStringAsync("/api/v1/me", Ct));
            var tenantId = me.RootElement.GetProperty("tenants").EnumerateArray()
                .Single(t => t.GetProperty("name").GetString() == DemoDirectory.Northwind).GetProperty("tenantId").GetGuid();
            var (incident, created) = await maya.CreateIncidentAsync(tenantId, "Nobody answers before the restart", "Sev1");
            created.Dispose();
            incidentId = incident.Id;
            first.Kill();
        }

        var stored = await ReadAsync(provider, connectionString, db => db.Incidents.AsNoTracking().SingleAsync(i => i.Id == incidentId));
        stored.NextEscalationAt.ShouldNotBeNull();
        (stored.NextEscalationAt!.Value - stored.CreatedAt).ShouldBe(TimeSpan.FromMinutes(15));
        (await CountAsync(provider, connectionString, incidentId)).ShouldBe(0);

        // The sweep logs each run (Information for its category only): the test waits for the run itself, not for a pause.
        var offset = new Dictionary<string, string>
        {
            ["Testing__ClockOffset"] = "00:20:00",
            ["Logging__LogLevel__Portal.Features.Escalations.EscalationSweep"] = "Information",
        };
        await using (var second = await PortalProcess.StartAsync(provider, connectionString, folder, offset))
        {
            await WaitForOutputAsync(second, "Escalation sweep: 1 overdue, 1 escalated", "the sweep at start fires the overdue level");
            (await CountAsync(provider, connectionString, incidentId)).ShouldBe(1, second.Output);
            second.Kill();
        }

        // A third start (the same offset): its sweep at start runs, finds nothing more due, and nothing is recorded twice.
        await using (var third = await PortalProcess.StartAsync(provider, connectionString, folder, offset))
        {
            await WaitForOutputAsync(third, "Escalation sweep: 0 overdue, 0 escalated", "the sweep at start finds nothing due");
            third.Kill();
        }

        await ReadAsync(provider, connectionString, async db =>
        {
            var escalation = await db.Escalations.AsNoTracking().SingleAsync(e => e.IncidentId == incidentId);
            (escalation.Kind, escalation.Level).ShouldBe((EscalationKind.Acknowledge, 1));
            (escalation.RaisedAt - escalation.DueAt).ShouldBeGreaterThan(TimeSpan.Zero);
            var entries = await db.TimelineEntries.AsNoTracking().Where(t => t.IncidentId == incidentId && t.Kind == TimelineEntryKind.Escalation).ToListAsync(Ct);
            entries.ShouldHaveSingleItem().Visibility.ShouldBe(NoteVisibility.Internal);
            var incident = await db.Incidents.AsNoTracking().SingleAsync(i => i.Id == incidentId, Ct);
            incident.AcknowledgeLevel.ShouldBe(1);
            (incident.NextEscalationAt!.Value - incident.CreatedAt).ShouldBe(TimeSpan.FromMinutes(30)); // level 2 waits for its time
            return 0;
        });
    }

    private static async Task WaitForOutputAsync(PortalProcess portal, string line, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!portal.Output.Contains(line, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: \"{line}\" not logged within 90 s:\n{portal.Output}");
            await Task.Delay(100, Ct);
        }
    }

    private static Task<int> CountAsync(DatabaseProvider provider, string connectionString, Guid incidentId) =>
        ReadAsync(provider, connectionString, db => db.Escalations.CountAsync(e => e.IncidentId == incidentId));

    private static async Task<T> ReadAsync<T>(DatabaseProvider provider, string connectionString, Func<PortalDbContext, Task<T>> read)
    {
        var options = DatabaseSetup.Configure(new DbContextOptionsBuilder<PortalDbContext>(), provider, connectionString).Options;
        var scope = new TenantScope();
        scope.UseSystemAccess();
        await using var db = new PortalDbContext((DbContextOptions<PortalDbContext>)options).Use(scope);
        return await read(db);
    }
}
