using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Portal.Data;

namespace Portal.Infrastructure.Data;

/// <summary>
/// Inserts many new rows of one entity type with multi-row INSERT statements in the context's current transaction,
/// without tracking them: thousands of rows in a few statements, where SaveChanges spends most of its time tracking and
/// batching one statement per row (10,000 history rows of a bulk update took seconds). Columns, conversions (enums as
/// names, SQLite's DateTimeOffset ticks, SQLite's Guid text) and parameters come from the EF model's own type mappings,
/// so the rows read back exactly as if SaveChanges had written them. For append-only rows whose values the caller built
/// with the domain's factories; nothing store-generated may be needed back.
/// </summary>
public static class BulkInsert
{
    public static async Task InsertAsync<T>(this PortalDbContext db, IReadOnlyList<T> rows, CancellationToken ct) where T : class
    {
        if (rows.Count == 0) return;
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("A bulk insert runs inside the command's transaction.");
        var entityType = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not an entity.");
        var table = StoreObjectIdentifier.Table(entityType.GetTableName()!, entityType.GetSchema());
        var columns = entityType.GetProperties().Select(p => (Property: p, Column: p.GetColumnName(table))).Where(c => c.Column is not null).ToList();
        if (columns.FirstOrDefault(c => c.Property.IsShadowProperty() || c.Property.ValueGenerated != ValueGenerated.Never) is { Property: { } unsupported })
            throw new NotSupportedException($"{typeof(T).Name}.{unsupported.Name} is shadow or store-generated; a bulk insert writes only values the entity holds.");

        var sql = db.GetService<ISqlGenerationHelper>();
        var rowsPerStatement = RowsPerStatement(db.ProviderName, columns.Count);
        var head = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", columns.Select(c => sql.DelimitIdentifier(c.Column!)))}) VALUES ";
        var mappings = columns.Select(c => c.Property.GetRelationalTypeMapping()).ToArray();
        var getters = columns.Select(c => c.Property.GetGetter()).ToArray();
        var nullable = columns.Select(c => c.Property.IsNullable).ToArray();

        DbCommand? command = null;
        try
        {
            for (var start = 0; start < rows.Count; start += rowsPerStatement)
            {
                var count = Math.Min(rowsPerStatement, rows.Count - start);
                if (command is null || command.Parameters.Count != count * columns.Count)
                {
                    if (command is not null) await command.DisposeAsync();
                    command = transaction.Connection!.CreateCommand();
                    command.Transaction = transaction;
                    command.CommandText = Text(head, count, columns.Count, sql);
                }
                // Fresh parameters from the type mappings each time: they apply the model's conversions and provider settings.
                command.Parameters.Clear();
                for (var r = 0; r < count; r++)
                {
                    for (var c = 0; c < columns.Count; c++)
                    {
                        command.Parameters.Add(mappings[c].CreateParameter(command, sql.GenerateParameterName("p" + (r * columns.Count + c)),
                            getters[c].GetClrValueUsingContainingEntity(rows[start + r]), nullable[c]));
                    }
                }
                var inserted = await command.ExecuteNonQueryAsync(ct);
                if (inserted != count) throw new InvalidOperationException($"Inserted {inserted} of {count} {typeof(T).Name} rows.");
            }
        }
        finally
        {
            if (command is not null) await command.DisposeAsync();
        }
    }

    /// <summary>
    /// SQLite: one row per statement, the same prepared statement again and again (in-process, so a statement costs
    /// microseconds, while Microsoft.Data.Sqlite binds each named parameter with a linear search: a 10,000-parameter
    /// statement costs seconds). Elsewhere as many rows as the parameter limit allows (SQL Server 2,100 per statement;
    /// PostgreSQL 65,535), at most 1,000 (SQL Server's VALUES limit).
    /// </summary>
    private static int RowsPerStatement(string? provider, int columns) => provider switch
    {
        PortalDbContext.SqliteProvider => 1,
        PortalDbContext.SqlServerProvider => Math.Clamp(2_000 / columns, 1, 1_000),
        _ => Math.Clamp(30_000 / columns, 1, 1_000),
    };

    private static string Text(string head, int rows, int columns, ISqlGenerationHelper sql)
    {
        var text = new StringBuilder(head, head.Length + rows * columns * 8);
        for (var r = 0; r < rows; r++)
        {
            text.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns; c++)
            {
                if (c > 0) text.Append(", ");
                text.Append(sql.GenerateParameterNamePlaceholder("p" + (r * columns + c)));
            }
            text.Append(')');
        }
        return text.ToString();
    }
}
