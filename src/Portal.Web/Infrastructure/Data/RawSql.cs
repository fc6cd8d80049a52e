using System.Data.Common;
using Microsoft.EntityFrameworkCore;
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
        var command = db.GetService<IRawSqlCommandBuilder>().Build(sql, parameters, db.Model);
        await using var reader = await command.RelationalCommand.ExecuteReaderAsync(new RelationalCommandParameterObject(
            db.GetService<IRelationalConnection>(), command.ParameterValues, null, db, db.GetService<IRelationalCommandDiagnosticsLogger>()), ct);
        List<T> rows = [];
        while (await reader.DbDataReader.ReadAsync(ct)) rows.Add(map(reader.DbDataReader));
        return rows;
    }

    /// <summary>"{first}, {first+1}, …" for <paramref name="count"/> parameters: an IN list whose values stay parameters.</summary>
    public static string Placeholders(int first, int count) => string.Join(", ", Enumerable.Range(first, count).Select(i => $"{{{i}}}"));
}
