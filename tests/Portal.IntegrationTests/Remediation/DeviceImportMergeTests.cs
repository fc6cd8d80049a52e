using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// The PostgreSQL batch merge (DeviceImportWriter): new devices and their tasks go in with a plain insert after an
/// anti-join, tasks of devices the tenant already had go through a lookup with ON CONFLICT, and a concurrent writer adding
/// one of the batch's devices sends the batch to the ON CONFLICT merge after a savepoint. Each case must end with exactly
/// the right devices and tasks, the existing devices untouched, and the batch committed in its own run (not by a retry).
/// </summary>
public sealed class DeviceImportMergeTests(ImportPostgresApp app) : IClassFixture<ImportPostgresApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Nwa => app.Demo.TenantId(DemoDirectory.Northwind);

    private async Task<Guid> IncidentAsync(string title)
    {
        var (incident, response) = await (await app.ClientForAsync(DemoDirectory.Maya)).CreateIncidentAsync(Nwa, title, "Sev2");
        response.Dispose();
        return incident.Id;
    }

    private static string Prefix() => "m" + Guid.NewGuid().ToString("N")[..10];

    private static string Csv(string p, int rows)
    {
        var csv = new StringBuilder("hostname,external_id,site\n");
        for (var i = 1; i <= rows; i++) csv.Append(CultureInfo.InvariantCulture, $"file-{p}-{i},{p}-{i},From the file\n");
        return csv.ToString();
    }

    /// <summary>A device of Northwind written outside Portal's API, on a transaction the caller commits (or not).</summary>
    private async Task<Guid> InsertDeviceAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string externalId)
    {
        var id = Guid.CreateVersion7();
        await using var insert = new NpgsqlCommand("""
            INSERT INTO "Devices" ("Id", "TenantId", "Hostname", "ExternalId", "OperatingSystem", "Site", "Tags", "MatchKey", "CreatedAt", "UpdatedAt")
            VALUES (@id, @tenant, @hostname, @external, NULL, 'Already there', '', @key, now(), now())
            """, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<Guid>("id", NpgsqlDbType.Uuid) { TypedValue = id });
        insert.Parameters.Add(new NpgsqlParameter<Guid>("tenant", NpgsqlDbType.Uuid) { TypedValue = Nwa });
        insert.Parameters.Add(new NpgsqlParameter<string>("hostname", NpgsqlDbType.Varchar) { TypedValue = "existing-" + externalId });
        insert.Parameters.Add(new NpgsqlParameter<string>("external", NpgsqlDbType.Varchar) { TypedValue = externalId });
        insert.Parameters.Add(new NpgsqlParameter<string>("key", NpgsqlDbType.Varchar) { TypedValue = "ext:" + externalId });
        await insert.ExecuteNonQueryAsync(Ct);
        return id;
    }

    private async Task ShouldHaveExactlyAsync(Guid incident, string p, int rows, IReadOnlyDictionary<string, Guid> existing)
    {
        var devices = await app.QueryAsync(db => db.Devices.AsNoTracking().Where(d => d.TenantId == Nwa && d.MatchKey.StartsWith("ext:" + p + "-")).ToListAsync());
        devices.Count.ShouldBe(rows, "one device per external id");
        foreach (var (externalId, id) in existing)
        {
            var device = devices.Single(d => d.ExternalId == externalId);
            (device.Id, device.Hostname, device.Site).ShouldBe((id, "existing-" + externalId, "Already there"), "an existing device is left as it was");
        }
        var tasks = await app.QueryAsync(db => db.RemediationTasks.AsNoTracking().Where(t => t.IncidentId == incident).ToListAsync());
        tasks.Count.ShouldBe(rows, "one task per device");
        tasks.Select(t => t.DeviceId).Order().ShouldBe(devices.Select(d => (Guid?)d.Id).Order(), "each task names the tenant's device of its row");
        tasks.ShouldAllBe(t => t.TenantId == Nwa);
        var counts = await app.CountsAsync(Nwa, incident, "ext:" + p + "-");
        (counts.Pending, counts.ProgressTotal).ShouldBe((rows, rows), "the progress counters equal a direct count");
    }

    [Fact]
    public async Task A_batch_mixing_new_devices_and_devices_the_tenant_already_has_gets_one_task_each_and_leaves_the_existing_ones_untouched()
    {
        var p = Prefix();
        var incident = await IncidentAsync("Import merge: mixed batch");
        var existing = new Dictionary<string, Guid>();
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.OpenAsync(Ct);
            foreach (var i in new[] { 1, 5, 17, 30 }) existing[$"{p}-{i}"] = await InsertDeviceAsync(connection, null, $"{p}-{i}");
        }
        const int Rows = 30; // one batch (ImportApp.BatchSize is 40): statement 1 adds 26 devices and their tasks, statement 2 the 4 other tasks

        var import = await (await app.ClientForAsync(DemoDirectory.Maya)).ImportAsync(incident, Csv(p, Rows));

        import.Status.ShouldBe("Completed", import.Failure);
        (import.RowsRead, import.DevicesCreated, import.TasksCreated, import.RowsUnchanged).ShouldBe((30L, 26L, 30L, 0L));
        await ShouldHaveExactlyAsync(incident, p, Rows, existing);
    }

    [Fact]
    public async Task A_device_added_by_another_writer_during_the_batch_sends_it_to_the_conflict_merge_and_the_batch_still_commits_once()
    {
        var p = Prefix();
        var incident = await IncidentAsync("Import merge: concurrent writer");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        var held = await InsertDeviceAsync(connection, transaction, $"{p}-7"); // not committed: the import's insert of this key must wait for it

        var started = await maya.StartImportAsync(incident, Csv(p, 30));
        await using (var watch = new NpgsqlConnection(app.ConnectionString))
        {
            await watch.OpenAsync(Ct);
            await using var waiting = new NpgsqlCommand("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%device_import_stage%'
                """, watch);
            var deadline = Stopwatch.StartNew();
            while ((long)(await waiting.ExecuteScalarAsync(Ct))! == 0)
            {
                deadline.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), "the import's batch should have reached the held device");
                await Task.Delay(50, Ct);
            }
        }
        await transaction.CommitAsync(Ct); // the import's plain insert now fails on the unique index; the batch must fall back, not fail
        var committedAt = Stopwatch.StartNew();

        var import = await maya.WaitForImportAsync(started.Id, TimeSpan.FromSeconds(60));

        import.Status.ShouldBe("Completed", import.Failure);
        // A failed batch would be run again by Hangfire's retry, at the earliest 15 s later: the fallback is in the same run.
        committedAt.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10), "the batch completed in its own run, not through a retry of the job");
        (import.RowsRead, import.DevicesCreated, import.TasksCreated, import.RowsUnchanged, import.ErrorCount).ShouldBe((30L, 29L, 30L, 0L, 0L));
        await ShouldHaveExactlyAsync(incident, p, 30, new Dictionary<string, Guid> { [$"{p}-7"] = held });
    }
}
