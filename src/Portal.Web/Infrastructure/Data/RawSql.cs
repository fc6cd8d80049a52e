using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Portal.Data;

namespace Portal.Infrastructure.Data;

/// <summary>
/// A hand-written statement on the commit path, run as EF Core's own raw SQL runs (<c>ExecuteSql</c>: its parameter mappings,
/// logging, interceptors and diagnostics, so traces and command counts see it, and the context's connection and transaction)
/// with its rows read directly. For the few statements every change runs: a <c>SqlQueryRaw</c> or a LINQ query goes through
/// the query pipeline (expression building, parameter extraction, cache lookup), which measured more CPU than the database.
/// </summary>
public static class RawSql
{
    /// <summary>Runs <paramref name="sql"/> ({0}, {1}… are <paramref name="parameters"/>, never text) and maps every row.</summary>
    public static async Task<List<T>> ReadAsync<T>(PortalDbContext db, string sql, object[] parameters, Func<DbDataReader, T> map, CancellationToken ct)
    {
        var (command, values) = Command(db, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(new RelationalCommandParameterObject(
            db.GetService<IRelationalConnection>(), values, null, db, db.GetService<IRelationalCommandDiagnosticsLogger>()), ct);
        List<T> rows = [];
        while (await reader.DbDataReader.ReadAsync(ct)) rows.Add(map(reader.DbDataReader));
        return rows;
    }

    /// <summary>"{first}, {first+1}, …" for <paramref name="count"/> parameters: an IN list whose values stay parameters.</summary>
    public static string Placeholders(int first, int count) => string.Join(", ", Enumerable.Range(first, count).Select(i => $"{{{i}}}"));

    /// <summary>
    /// The command for <paramref name="sql"/> and this call's parameter values, built for this call. Not kept and reused: EF Core's
    /// <see cref="RelationalCommand"/> holds one <see cref="RelationalDataReader"/> that each execution re-initialises, so a
    /// command shared by executions that overlap (writers on PostgreSQL or SQL Server commit side by side; two apps in one process
    /// share a model) read another execution's rows or none: "No data exists for the row/column" on a note, in a clean clone of
    /// a733f4d. The texts themselves are written once (the stream advance and the outbox's listener probe).
    /// </summary>
    internal static (IRelationalCommand Command, IReadOnlyDictionary<string, object?> Values) Command(PortalDbContext db, string sql, object[] parameters)
    {
        var built = db.GetService<IRawSqlCommandBuilder>().Build(sql, parameters, db.Model);
        return (built.RelationalCommand, built.ParameterValues);
    }
}
