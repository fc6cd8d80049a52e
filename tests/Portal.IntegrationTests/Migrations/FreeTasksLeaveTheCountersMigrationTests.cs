using Microsoft.EntityFrameworkCore;

namespace Portal.IntegrationTests.Migrations;

/// <summary>
/// Counter rows written before the counters counted devices only: the FreeTasksLeaveTheCounters migration takes each incident's free
/// tasks out of its counters, state by state, and leaves the rows of incidents without free tasks as they were; on a database
/// migrated to the previous migration and filled the way that version wrote rows (every task counted).
/// </summary>
public sealed class FreeTasksLeaveTheCountersMigrationTests(PostgresServer postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public Task On_Sqlite_the_free_tasks_leave_their_incidents_counters_and_the_devices_stay() =>
        DataMigrationDatabase.OnSqliteAsync("FreeTasksLeaveTheCounters", RunAsync);

    [Fact]
    public Task On_PostgreSql_the_free_tasks_leave_their_incidents_counters_and_the_devices_stay() =>
        DataMigrationDatabase.OnPostgreSqlAsync(postgres, "portal_free_tasks_migration", "FreeTasksLeaveTheCounters", RunAsync);

    private static async Task RunAsync(DataMigrationDatabase database)
    {
        var db = database.Db;
        var at = database.Stored(new DateTimeOffset(2026, 7, 19, 4, 0, 0, TimeSpan.Zero));
        // PostgreSQL's version is its xmin: the column exists on SQLite only.
        var version = database.IsSqlite ? ", \"Version\"" : "";
        var versionValue = database.IsSqlite ? ", 1" : "";
        var tenant = Guid.NewGuid();
        await db.Database.ExecuteSqlRawAsync(
            "INSERT INTO \"Organisations\" (\"Id\", \"Name\", \"Kind\", \"LastIncidentNumber\", \"LastStreamSequence\", \"LastCustomerStreamSequence\") " +
            "VALUES ({0}, 'Old Customer', 'Customer', 2, 0, 0)", [tenant], Ct);

        // Built first, then run with parameters: only the version column differs between the providers.
        var insertIncident = "INSERT INTO \"Incidents\" (\"Id\", \"TenantId\", \"Number\", \"Reference\", \"Title\", \"Severity\", \"Status\", \"CreatedById\", \"CreatedAt\", \"UpdatedAt\", " +
            $"\"TimelineLength\", \"CustomerTimelineLength\", \"AcknowledgeLevel\", \"ResolveLevel\"{version}) VALUES ({{0}}, {{1}}, {{2}}, {{3}}, 'Boot loop', 'Sev1', 'Investigating', {{4}}, {{5}}, {{5}}, 0, 0, 0, 0{versionValue})";
        var insertDevice = $"INSERT INTO \"Devices\" (\"Id\", \"TenantId\", \"Hostname\", \"MatchKey\", \"Tags\", \"CreatedAt\", \"UpdatedAt\"{version}) VALUES ({{0}}, {{1}}, {{2}}, {{3}}, '', {{4}}, {{4}}{versionValue})";
        var insertTask = $"INSERT INTO \"RemediationTasks\" (\"Id\", \"TenantId\", \"IncidentId\", \"DeviceId\", \"Title\", \"State\", \"CreatedAt\", \"UpdatedAt\"{version}) VALUES ({{0}}, {{1}}, {{2}}, {{3}}, 'A task', {{4}}, {{5}}, {{5}}{versionValue})";
        var insertFreeTask = $"INSERT INTO \"RemediationTasks\" (\"Id\", \"TenantId\", \"IncidentId\", \"DeviceId\", \"Title\", \"State\", \"CreatedAt\", \"UpdatedAt\"{version}) VALUES ({{0}}, {{1}}, {{2}}, NULL, 'A task', {{3}}, {{4}}, {{4}}{versionValue})";
        var insertCounters = "INSERT INTO \"RemediationProgress\" (\"IncidentId\", \"TenantId\", \"Pending\", \"InProgress\", \"Blocked\", \"Done\", \"Failed\", \"NotApplicable\", " +
            $"\"UpdatedAt\"{version}) VALUES ({{0}}, {{1}}, {{2}}, {{3}}, {{4}}, {{5}}, {{6}}, {{7}}, {{8}}{versionValue})";

        async Task<Guid> IncidentAsync(int number)
        {
            var id = Guid.NewGuid();
            await db.Database.ExecuteSqlRawAsync(insertIncident, [id, tenant, number, $"OLD-{number}", Guid.NewGuid(), at], Ct);
            return id;
        }

        async Task TaskAsync(Guid incident, string state, bool withDevice)
        {
            Guid? device = null;
            if (withDevice)
            {
                device = Guid.NewGuid();
                var host = $"host-{device:N}"[..20];
                await db.Database.ExecuteSqlRawAsync(insertDevice, [device, tenant, host, "h:" + host, at], Ct);
            }
            await (device is { } id
                ? db.Database.ExecuteSqlRawAsync(insertTask, [Guid.NewGuid(), tenant, incident, id, state, at], Ct)
                : db.Database.ExecuteSqlRawAsync(insertFreeTask, [Guid.NewGuid(), tenant, incident, state, at], Ct));
        }

        // The counters as that version kept them: every task, free or not.
        async Task CountersAsync(Guid incident, int pending, int inProgress, int blocked, int done, int failed, int notApplicable) =>
            await db.Database.ExecuteSqlRawAsync(insertCounters, [incident, tenant, pending, inProgress, blocked, done, failed, notApplicable, at], Ct);

        var mixed = await IncidentAsync(1);       // three devices and three free tasks
        foreach (var (state, device) in new[] { ("Pending", true), ("Done", true), ("Failed", true), ("Done", false), ("Pending", false), ("NotApplicable", false) })
            await TaskAsync(mixed, state, device);
        await CountersAsync(mixed, pending: 2, inProgress: 0, blocked: 0, done: 2, failed: 1, notApplicable: 1);
        var devicesOnly = await IncidentAsync(2); // untouched
        foreach (var state in new[] { "Pending", "Done", "Blocked" }) await TaskAsync(devicesOnly, state, withDevice: true);
        await CountersAsync(devicesOnly, pending: 1, inProgress: 0, blocked: 1, done: 1, failed: 0, notApplicable: 0);
        var freeOnly = await IncidentAsync(3);    // its row stays, with nothing left in it
        await TaskAsync(freeOnly, "InProgress", withDevice: false);
        await CountersAsync(freeOnly, pending: 0, inProgress: 1, blocked: 0, done: 0, failed: 0, notApplicable: 0);

        await database.MigrateToTheEndAsync();

        var counters = await db.RemediationProgress.AsNoTracking().Where(p => p.TenantId == tenant)
            .ToDictionaryAsync(p => p.IncidentId, p => (p.Pending, p.InProgress, p.Blocked, p.Done, p.Failed, p.NotApplicable), Ct);
        counters[mixed].ShouldBe((1, 0, 0, 1, 1, 0));
        counters[devicesOnly].ShouldBe((1, 0, 1, 1, 0, 0));
        counters[freeOnly].ShouldBe((0, 0, 0, 0, 0, 0));
    }
}
