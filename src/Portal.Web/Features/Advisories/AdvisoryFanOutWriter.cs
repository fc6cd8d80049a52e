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

namespace Portal.Features.Advisories;

/// <summary>One task of a fan-out: its id (version 7, made in .NET: the task list pages in creation order) and what it is about.</summary>
public readonly record struct FanOutTaskRow(Guid TaskId, Guid TenantId, Guid IncidentId, Guid DeviceId, string Title);

/// <summary>
/// Inserts a fan-out's tasks set-based, on the context's connection inside its open transaction, so they commit with the removal
/// of their plans or not at all. The caller left out every device its incident already has a task for, and a concurrent
/// runner of the same plans conflicts on the plans first, so the rows go straight into the table (no stage, no ON CONFLICT),
/// which is the raw driver's own speed. Raw SQL bypasses the query filters: the caller built every row from devices it read
/// through the filtered context (or, in the sweep, for the plans' own tenants).
/// </summary>
public static class AdvisoryFanOutWriter
{
    public static Task WriteAsync(PortalDbContext db, IReadOnlyList<FanOutTaskRow> rows, DateTimeOffset now, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("Fan-out tasks are written inside the unit of work's transaction.");
        if (rows.Count == 0) return Task.CompletedTask;
        return db.ProviderName switch
        {
            PortalDbContext.PostgreSqlProvider => PostgreSqlAsync(db, rows, now, ct),
            PortalDbContext.SqlServerProvider => SqlServerAsync(db, rows, now, ct),
            _ => SqliteAsync(db, rows, now, ct),
        };
    }

    /// <summary>SQLite: chunks of rows as one JSON array each (<see cref="SqliteJsonRows"/>), expanded by <c>json_each</c> in one INSERT … SELECT.</summary>
    private static async Task SqliteAsync(PortalDbContext db, IReadOnlyList<FanOutTaskRow> rows, DateTimeOffset now, CancellationToken ct)
    {
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        // Timestamps as the model stores them on SQLite (ticks through its converter), Guids as EF writes them (upper-case text).
        var stamp = db.Model.FindEntityType(typeof(RemediationTask))!.FindProperty(nameof(RemediationTask.CreatedAt))!.GetTypeMapping().Converter!.ConvertToProvider(now)!;
        await using var insert = connection.CreateCommand();
        insert.Transaction = (SqliteTransaction)db.Database.CurrentTransaction!.GetDbTransaction();
        insert.CommandText = """
            INSERT INTO "RemediationTasks" ("Id", "TenantId", "IncidentId", "DeviceId", "Title", "State", "CreatedAt", "UpdatedAt", "Version")
            SELECT r.value ->> 0, r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4, 'Pending', $now, $now, 0
            FROM json_each($rows) AS r
            """;
        insert.Parameters.AddWithValue("$now", stamp);
        var parameter = insert.Parameters.Add("$rows", SqliteType.Text);

        await SqliteJsonRows.WriteInChunksAsync(rows, static (writer, row) =>
        {
            writer.WriteSqliteGuid(row.TaskId);
            writer.WriteSqliteGuid(row.TenantId);
            writer.WriteSqliteGuid(row.IncidentId);
            writer.WriteSqliteGuid(row.DeviceId);
            writer.WriteStringValue(row.Title);
        }, async chunk =>
        {
            parameter.Value = chunk;
            await insert.ExecuteNonQueryAsync(ct);
        });
    }

    /// <summary>PostgreSQL: binary COPY straight into the table (Version is xmin, the server's own).</summary>
    private static async Task PostgreSqlAsync(PortalDbContext db, IReadOnlyList<FanOutTaskRow> rows, DateTimeOffset now, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var utc = now.ToUniversalTime();
        var pending = nameof(RemediationState.Pending);
        await using var copy = await connection.BeginBinaryImportAsync(
            """COPY "RemediationTasks" ("Id", "TenantId", "IncidentId", "DeviceId", "Title", "State", "CreatedAt", "UpdatedAt") FROM STDIN (FORMAT BINARY)""", ct);
        foreach (var row in rows)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(row.TaskId, NpgsqlDbType.Uuid, ct);
            await copy.WriteAsync(row.TenantId, NpgsqlDbType.Uuid, ct);
            await copy.WriteAsync(row.IncidentId, NpgsqlDbType.Uuid, ct);
            await copy.WriteAsync(row.DeviceId, NpgsqlDbType.Uuid, ct);
            await copy.WriteAsync(row.Title, NpgsqlDbType.Varchar, ct);
            await copy.WriteAsync(pending, NpgsqlDbType.Varchar, ct);
            await copy.WriteAsync(utc, NpgsqlDbType.TimestampTz, ct);
            await copy.WriteAsync(utc, NpgsqlDbType.TimestampTz, ct);
        }
        await copy.CompleteAsync(ct);
    }

    /// <summary>
    /// SQL Server: SqlBulkCopy straight into the table inside the transaction (Version is rowversion, the server's own).
    /// NOT EXECUTED HERE: no SQL Server runs where the tests run; it compiles and follows the shape of the two tested providers.
    /// </summary>
    private static async Task SqlServerAsync(PortalDbContext db, IReadOnlyList<FanOutTaskRow> rows, DateTimeOffset now, CancellationToken ct)
    {
        var connection = (SqlConnection)db.Database.GetDbConnection();
        var transaction = (SqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction();
        using var table = new DataTable();
        table.Columns.Add("Id", typeof(Guid));
        table.Columns.Add("TenantId", typeof(Guid));
        table.Columns.Add("IncidentId", typeof(Guid));
        table.Columns.Add("DeviceId", typeof(Guid));
        table.Columns.Add("Title", typeof(string));
        table.Columns.Add("State", typeof(string));
        table.Columns.Add("CreatedAt", typeof(DateTimeOffset));
        table.Columns.Add("UpdatedAt", typeof(DateTimeOffset));
        var pending = nameof(RemediationState.Pending);
        foreach (var row in rows) table.Rows.Add(row.TaskId, row.TenantId, row.IncidentId, row.DeviceId, row.Title, pending, now, now);
        using var bulk = new SqlBulkCopy(connection, SqlBulkCopyOptions.CheckConstraints, transaction) { DestinationTableName = "[RemediationTasks]", BatchSize = 10_000 };
        foreach (DataColumn column in table.Columns) bulk.ColumnMappings.Add(column.ColumnName, column.ColumnName);
        await bulk.WriteToServerAsync(table, ct);
    }
}
