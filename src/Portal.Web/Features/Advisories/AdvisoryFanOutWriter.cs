using System.Buffers;
using System.Data;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using Portal.Data;
using Portal.Domain;

namespace Portal.Features.Advisories;

/// <summary>One task of a fan-out: its id (version 7, made in .NET: the task list pages in creation order) and what it is about.</summary>
public readonly record struct FanOutTaskRow(Guid TaskId, Guid TenantId, Guid IncidentId, Guid DeviceId, string Title);

/// <summary>
/// Inserts a fan-out's tasks set-based, on the context's connection inside its open transaction, so they commit with their
/// incidents or not at all. Every row belongs to an incident opened in the same transaction, so no task can already exist:
/// the rows go straight into the table (no stage, no ON CONFLICT), which is the raw driver's own speed. Raw SQL bypasses the
/// query filters: the caller built every row from devices it read through the filtered context.
/// </summary>
public static class AdvisoryFanOutWriter
{
    /// <summary>JSON per SQLite statement: each string stays under the 85,000-byte large object heap threshold (as the device import).</summary>
    private const int SqliteChunkBytes = 32 * 1024;

    public static Task WriteAsync(PortalDbContext db, IReadOnlyList<FanOutTaskRow> rows, DateTimeOffset now, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("Fan-out tasks are written inside the unit of work's transaction.");
        if (rows.Count == 0) return Task.CompletedTask;
        return db.Database.ProviderName switch
        {
            PortalDbContext.PostgreSqlProvider => PostgreSqlAsync(db, rows, now, ct),
            PortalDbContext.SqlServerProvider => SqlServerAsync(db, rows, now, ct),
            _ => SqliteAsync(db, rows, now, ct),
        };
    }

    /// <summary>SQLite: chunks of rows as one JSON array each, expanded by <c>json_each</c> in one INSERT … SELECT.</summary>
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

        var json = new ArrayBufferWriter<byte>(SqliteChunkBytes + 4 * 1024);
        await using var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
        var id = new char[36];
        for (var next = 0; next < rows.Count;)
        {
            json.ResetWrittenCount();
            writer.Reset(json);
            writer.WriteStartArray();
            while (next < rows.Count && writer.BytesPending + writer.BytesCommitted < SqliteChunkBytes)
            {
                var row = rows[next++];
                writer.WriteStartArray();
                writer.WriteStringValue(Upper(row.TaskId, id));
                writer.WriteStringValue(Upper(row.TenantId, id));
                writer.WriteStringValue(Upper(row.IncidentId, id));
                writer.WriteStringValue(Upper(row.DeviceId, id));
                writer.WriteStringValue(row.Title);
                writer.WriteEndArray();
            }
            writer.WriteEndArray();
            writer.Flush();
            parameter.Value = Encoding.UTF8.GetString(json.WrittenSpan);
            await insert.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>A Guid as EF writes it on SQLite (upper-case "D" text).</summary>
    private static ReadOnlySpan<char> Upper(Guid g, Span<char> buffer)
    {
        g.TryFormat(buffer, out var written);
        for (var i = 0; i < written; i++) buffer[i] = char.ToUpperInvariant(buffer[i]);
        return buffer[..written];
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
