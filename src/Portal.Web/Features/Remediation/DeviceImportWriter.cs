using System.Data;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Data;

namespace Portal.Features.Remediation;

/// <summary>A valid row of a batch, ready to write: the device it names (with an id to use if it is new) and the task's id.</summary>
public sealed record StagedDevice(Guid DeviceId, Guid TaskId, string MatchKey, string Hostname, string? ExternalId, string? OperatingSystem, string? Site, string Tags);

/// <summary>What a batch wrote: devices new to the tenant, tasks new to the incident (rows already there count in neither).</summary>
public readonly record struct BatchWritten(int DevicesCreated, int TasksCreated);

/// <summary>
/// Writes one batch of devices and their tasks set-based, on the context's connection inside its open transaction, so the
/// batch commits with the import's progress or not at all. Devices are matched per tenant on (TenantId, MatchKey): an
/// existing device is left as it is (the device API edits devices; an import only adds what is missing), and a device of
/// another tenant with the same external id is never matched. A task is added once per (IncidentId, DeviceId).
/// Raw SQL bypasses the query filters: every statement names the import's tenant explicitly.
/// </summary>
public static class DeviceImportWriter
{
    public static Task<BatchWritten> WriteAsync(PortalDbContext db, DeviceImport import, IReadOnlyList<StagedDevice> rows, DateTimeOffset now, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("A batch is written inside the unit of work's transaction.");
        if (rows.Count == 0) return Task.FromResult(new BatchWritten(0, 0));
        return db.ProviderName switch
        {
            PortalDbContext.PostgreSqlProvider => PostgreSqlAsync(db, import, rows, now, ct),
            PortalDbContext.SqlServerProvider => SqlServerAsync(db, import, rows, now, ct),
            _ => SqliteAsync(db, import, rows, now, ct),
        };
    }

    /// <summary>
    /// SQLite: set-based as on the servers, with one text parameter in place of COPY. Each chunk of rows goes as one JSON
    /// array (<c>json_each</c> expands it inside SQLite), then one INSERT … SELECT … ON CONFLICT DO NOTHING for the devices
    /// and one for the tasks, which finds each device (new or already there) by its key. Per row that is JSON written in
    /// .NET and read in C, where per-row prepared statements cost a parameter lookup, conversion and bind per value and a
    /// reader per execution, twice per row.
    /// </summary>
    private static async Task<BatchWritten> SqliteAsync(PortalDbContext db, DeviceImport import, IReadOnlyList<StagedDevice> rows, DateTimeOffset now, CancellationToken ct)
    {
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        var transaction = (SqliteTransaction)db.Database.CurrentTransaction!.GetDbTransaction();
        // Timestamps as the model stores them on SQLite (ticks through its converter), Guids as EF writes them (upper-case text).
        var stamp = db.Model.FindEntityType(typeof(Device))!.FindProperty(nameof(Device.CreatedAt))!.GetTypeMapping().Converter!.ConvertToProvider(now)!;
        var tenant = Id(import.TenantId);

        // A WHERE settles SQLite's parsing ambiguity of INSERT ... SELECT ... ON CONFLICT. CROSS JOIN keeps the rows as the
        // outer loop (SQLite does not reorder it): each row finds its device through the unique index. With a plain JOIN the
        // planner may scan the tenant's devices and the whole chunk for each of them.
        await using var device = connection.CreateCommand();
        device.Transaction = transaction;
        device.CommandText = """
            INSERT INTO "Devices" ("Id", "TenantId", "Hostname", "ExternalId", "OperatingSystem", "Site", "Tags", "MatchKey", "CreatedAt", "UpdatedAt", "Version")
            SELECT r.value ->> 0, $tenant, r.value ->> 2, r.value ->> 3, r.value ->> 4, r.value ->> 5, r.value ->> 6, r.value ->> 7, $now, $now, 0
            FROM json_each($rows) AS r WHERE true
            ON CONFLICT ("TenantId", "MatchKey") DO NOTHING
            """;
        device.Parameters.AddWithValue("$tenant", tenant);
        device.Parameters.AddWithValue("$now", stamp);
        var deviceRows = device.Parameters.Add("$rows", SqliteType.Text);

        await using var task = connection.CreateCommand();
        task.Transaction = transaction;
        task.CommandText = """
            INSERT INTO "RemediationTasks" ("Id", "TenantId", "IncidentId", "DeviceId", "Title", "State", "CreatedAt", "UpdatedAt", "Version")
            SELECT r.value ->> 1, d."TenantId", $incident, d."Id", substr(d."Hostname", 1, 200), 'Pending', $now, $now, 0
            FROM json_each($rows) AS r CROSS JOIN "Devices" AS d
            WHERE d."TenantId" = $tenant AND d."MatchKey" = r.value ->> 7
            ON CONFLICT ("IncidentId", "DeviceId") DO NOTHING
            """;
        task.Parameters.AddWithValue("$tenant", tenant);
        task.Parameters.AddWithValue("$incident", Id(import.IncidentId));
        task.Parameters.AddWithValue("$now", stamp);
        var taskRows = task.Parameters.Add("$rows", SqliteType.Text);

        int devices = 0, tasks = 0;
        await SqliteJsonRows.WriteInChunksAsync(rows, static (writer, row) =>
        {
            writer.WriteSqliteGuid(row.DeviceId);
            writer.WriteSqliteGuid(row.TaskId);
            writer.WriteStringValue(row.Hostname);
            writer.WriteNullableString(row.ExternalId);
            writer.WriteNullableString(row.OperatingSystem);
            writer.WriteNullableString(row.Site);
            writer.WriteStringValue(row.Tags);
            writer.WriteStringValue(row.MatchKey);
        }, async chunk =>
        {
            deviceRows.Value = chunk;
            taskRows.Value = chunk;
            devices += await device.ExecuteNonQueryAsync(ct);
            tasks += await task.ExecuteNonQueryAsync(ct);
        });
        return new BatchWritten(devices, tasks);
    }

    private static string Id(Guid g) => g.ToString().ToUpperInvariant();

    /// <summary>
    /// PostgreSQL: binary COPY into a TEMP stage (dropped at commit), then set-based merges shaped for the common case of
    /// an import, devices new to the tenant. One statement inserts the devices the tenant does not have yet (an anti-join
    /// on the (TenantId, MatchKey) index) and, in a data-modifying CTE, a task for each of them straight from the stage:
    /// a device created by this statement can have no task yet, so these rows need neither the lookup of their device nor
    /// a conflict check. A second statement runs only when some staged devices already existed (a re-import, a device the
    /// API created): it finds them through the index and adds the missing tasks with ON CONFLICT DO NOTHING.
    /// Measured on 1,000,000 rows, <c>INSERT … ON CONFLICT DO NOTHING</c> on every row (a speculative insertion: a
    /// lock and an extra WAL record per row) plus the lookup of every device cost about twice these plain inserts.
    /// A concurrent writer adding the same device between the anti-join and the insert makes the plain insert fail with a
    /// unique violation; the batch then rolls back to a savepoint taken before it and merges with ON CONFLICT on every row,
    /// which waits for and skips such rows: the same result, only slower.
    /// </summary>
    private static async Task<BatchWritten> PostgreSqlAsync(PortalDbContext db, DeviceImport import, IReadOnlyList<StagedDevice> rows, DateTimeOffset now, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var transaction = (NpgsqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction();
        await using (var create = new NpgsqlCommand("""
            CREATE TEMP TABLE device_import_stage (device_id uuid NOT NULL, task_id uuid NOT NULL, match_key text NOT NULL, hostname text NOT NULL,
                external_id text, os text, site text, tags text NOT NULL) ON COMMIT DROP
            """, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY device_import_stage (device_id, task_id, match_key, hostname, external_id, os, site, tags) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var row in rows)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(row.DeviceId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(row.TaskId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(row.MatchKey, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(row.Hostname, NpgsqlDbType.Text, ct);
                await WriteNullableAsync(copy, row.ExternalId, ct);
                await WriteNullableAsync(copy, row.OperatingSystem, ct);
                await WriteNullableAsync(copy, row.Site, ct);
                await copy.WriteAsync(row.Tags, NpgsqlDbType.Text, ct);
            }
            await copy.CompleteAsync(ct);
        }

        var utc = now.ToUniversalTime();
        BatchWritten written;
        const string Savepoint = "device_import_merge";
        await transaction.SaveAsync(Savepoint, ct);
        try
        {
            written = await PostgreSqlNewDevicesAsync(connection, transaction, import, rows.Count, utc, ct);
            await transaction.ReleaseAsync(Savepoint, ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync(Savepoint, ct); // another writer added one of these devices or tasks meanwhile
            written = await PostgreSqlMergeAsync(connection, transaction, import, utc, ct);
        }
        await using (var drop = new NpgsqlCommand("DROP TABLE device_import_stage", connection, transaction))
        {
            await drop.ExecuteNonQueryAsync(ct); // a later batch of the same transaction would find it
        }
        return written;
    }

    /// <summary>The devices new to the tenant with their tasks in one statement; then, if some staged devices already existed, their missing tasks.</summary>
    private static async Task<BatchWritten> PostgreSqlNewDevicesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DeviceImport import, int staged, DateTimeOffset utc, CancellationToken ct)
    {
        int devices, tasks;
        await using (var command = new NpgsqlCommand("""
            WITH created AS (
                INSERT INTO "Devices" ("Id", "TenantId", "Hostname", "ExternalId", "OperatingSystem", "Site", "Tags", "MatchKey", "CreatedAt", "UpdatedAt")
                SELECT s.device_id, @tenant, s.hostname, s.external_id, s.os, s.site, s.tags, s.match_key, @now, @now
                FROM device_import_stage AS s
                WHERE NOT EXISTS (SELECT 1 FROM "Devices" AS d WHERE d."TenantId" = @tenant AND d."MatchKey" = s.match_key)
                RETURNING "Id"
            ), tasks AS (
                INSERT INTO "RemediationTasks" ("Id", "TenantId", "IncidentId", "DeviceId", "Title", "State", "CreatedAt", "UpdatedAt")
                SELECT s.task_id, @tenant, @incident, s.device_id, left(s.hostname, 200), 'Pending', @now, @now
                FROM device_import_stage AS s JOIN created AS c ON c."Id" = s.device_id
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM created)::int, (SELECT count(*) FROM tasks)::int
            """, connection, transaction))
        {
            AddParameters(command, import, utc);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            devices = reader.GetInt32(0);
            tasks = reader.GetInt32(1);
        }
        if (devices < staged) tasks += await PostgreSqlTasksOfExistingDevicesAsync(connection, transaction, import, utc, ct);
        return new BatchWritten(devices, tasks);
    }

    /// <summary>Tasks for the staged devices that the tenant already had (the ones created by this batch already have theirs).</summary>
    private static async Task<int> PostgreSqlTasksOfExistingDevicesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DeviceImport import, DateTimeOffset utc, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO "RemediationTasks" ("Id", "TenantId", "IncidentId", "DeviceId", "Title", "State", "CreatedAt", "UpdatedAt")
            SELECT s.task_id, @tenant, @incident, d."Id", left(d."Hostname", 200), 'Pending', @now, @now
            FROM device_import_stage AS s
            JOIN "Devices" AS d ON d."TenantId" = @tenant AND d."MatchKey" = s.match_key
            WHERE d."Id" <> s.device_id
            ON CONFLICT ("IncidentId", "DeviceId") DO NOTHING
            """, connection, transaction);
        AddParameters(command, import, utc);
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The merge that tolerates concurrent writers: ON CONFLICT DO NOTHING on every device and every task.</summary>
    private static async Task<BatchWritten> PostgreSqlMergeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DeviceImport import, DateTimeOffset utc, CancellationToken ct)
    {
        int devices;
        await using (var command = new NpgsqlCommand("""
            INSERT INTO "Devices" ("Id", "TenantId", "Hostname", "ExternalId", "OperatingSystem", "Site", "Tags", "MatchKey", "CreatedAt", "UpdatedAt")
            SELECT s.device_id, @tenant, s.hostname, s.external_id, s.os, s.site, s.tags, s.match_key, @now, @now
            FROM device_import_stage AS s
            ON CONFLICT ("TenantId", "MatchKey") DO NOTHING
            """, connection, transaction))
        {
            AddParameters(command, import, utc);
            devices = await command.ExecuteNonQueryAsync(ct);
        }
        await using (var command = new NpgsqlCommand("""
            INSERT INTO "RemediationTasks" ("Id", "TenantId", "IncidentId", "DeviceId", "Title", "State", "CreatedAt", "UpdatedAt")
            SELECT s.task_id, @tenant, @incident, d."Id", left(d."Hostname", 200), 'Pending', @now, @now
            FROM device_import_stage AS s
            JOIN "Devices" AS d ON d."TenantId" = @tenant AND d."MatchKey" = s.match_key
            ON CONFLICT ("IncidentId", "DeviceId") DO NOTHING
            """, connection, transaction))
        {
            AddParameters(command, import, utc);
            return new BatchWritten(devices, await command.ExecuteNonQueryAsync(ct));
        }
    }

    private static void AddParameters(NpgsqlCommand command, DeviceImport import, DateTimeOffset utc)
    {
        command.Parameters.Add(new NpgsqlParameter<Guid>("tenant", NpgsqlDbType.Uuid) { TypedValue = import.TenantId });
        command.Parameters.Add(new NpgsqlParameter<Guid>("incident", NpgsqlDbType.Uuid) { TypedValue = import.IncidentId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", NpgsqlDbType.TimestampTz) { TypedValue = utc });
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken ct) =>
        value is null ? copy.WriteNullAsync(ct) : copy.WriteAsync(value, NpgsqlDbType.Text, ct);

    /// <summary>
    /// SQL Server: SqlBulkCopy into a #temp stage, then a MERGE for the devices and an INSERT … SELECT … WHERE NOT EXISTS for
    /// the tasks. NOT EXECUTED HERE: no SQL Server runs on the machines the tests run on; it compiles and follows the same
    /// shape as the two providers that are tested. Run the import tests against SQL Server before relying on it.
    /// </summary>
    private static async Task<BatchWritten> SqlServerAsync(PortalDbContext db, DeviceImport import, IReadOnlyList<StagedDevice> rows, DateTimeOffset now, CancellationToken ct)
    {
        var connection = (SqlConnection)db.Database.GetDbConnection();
        var transaction = (SqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction();
        await db.Database.ExecuteSqlRawAsync("""
            CREATE TABLE #device_import_stage (device_id uniqueidentifier NOT NULL, task_id uniqueidentifier NOT NULL, match_key nvarchar(260) NOT NULL,
                hostname nvarchar(255) NOT NULL, external_id nvarchar(128) NULL, os nvarchar(100) NULL, site nvarchar(100) NULL, tags nvarchar(500) NOT NULL)
            """, ct);
        using (var table = new DataTable())
        {
            table.Columns.Add("device_id", typeof(Guid));
            table.Columns.Add("task_id", typeof(Guid));
            table.Columns.Add("match_key", typeof(string));
            table.Columns.Add("hostname", typeof(string));
            table.Columns.Add("external_id", typeof(string));
            table.Columns.Add("os", typeof(string));
            table.Columns.Add("site", typeof(string));
            table.Columns.Add("tags", typeof(string));
            foreach (var row in rows)
            {
                table.Rows.Add(row.DeviceId, row.TaskId, row.MatchKey, row.Hostname, (object?)row.ExternalId ?? DBNull.Value,
                    (object?)row.OperatingSystem ?? DBNull.Value, (object?)row.Site ?? DBNull.Value, row.Tags);
            }
            using var bulk = new SqlBulkCopy(connection, SqlBulkCopyOptions.Default, transaction) { DestinationTableName = "#device_import_stage", BatchSize = rows.Count };
            await bulk.WriteToServerAsync(table, ct);
        }

        var devices = await db.Database.ExecuteSqlAsync($"""
            MERGE [Devices] WITH (HOLDLOCK) AS d
            USING #device_import_stage AS s ON d.[TenantId] = {import.TenantId} AND d.[MatchKey] = s.match_key
            WHEN NOT MATCHED THEN INSERT ([Id], [TenantId], [Hostname], [ExternalId], [OperatingSystem], [Site], [Tags], [MatchKey], [CreatedAt], [UpdatedAt])
                VALUES (s.device_id, {import.TenantId}, s.hostname, s.external_id, s.os, s.site, s.tags, s.match_key, {now}, {now});
            """, ct);
        var tasks = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO [RemediationTasks] ([Id], [TenantId], [IncidentId], [DeviceId], [Title], [State], [CreatedAt], [UpdatedAt])
            SELECT s.task_id, {import.TenantId}, {import.IncidentId}, d.[Id], LEFT(d.[Hostname], 200), 'Pending', {now}, {now}
            FROM #device_import_stage AS s
            JOIN [Devices] AS d ON d.[TenantId] = {import.TenantId} AND d.[MatchKey] = s.match_key
            WHERE NOT EXISTS (SELECT 1 FROM [RemediationTasks] AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.[IncidentId] = {import.IncidentId} AND t.[DeviceId] = d.[Id])
            """, ct);
        await db.Database.ExecuteSqlRawAsync("DROP TABLE #device_import_stage", ct);
        return new BatchWritten(devices, tasks);
    }
}
