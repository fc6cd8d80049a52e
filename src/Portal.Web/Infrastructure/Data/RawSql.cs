using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
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
    /// The command for <paramref name="sql"/> and this call's parameter values. What EF Core builds from a statement (its text with
    /// the provider's placeholders, each parameter's type mapping) depends only on the text, the parameters' types and the model,
    /// so it is built once and reused with each call's values, as EF Core reuses a LINQ query's command: building it formatted
    /// the text and looked up the mappings again on every change. A call whose parameters do not fit the kept one (another type,
    /// a null) gets a command of its own, and the kept one stays.
    /// </summary>
    internal static (IRelationalCommand Command, IReadOnlyDictionary<string, object?> Values) Command(PortalDbContext db, string sql, object[] parameters)
    {
        var templates = Templates.GetValue(db.Model, static _ => new ConcurrentDictionary<string, Template>(StringComparer.Ordinal));
        if (templates.TryGetValue(sql, out var kept) && kept.Fits(parameters)) return (kept.Command, kept.Values(parameters));

        var built = db.GetService<IRawSqlCommandBuilder>().Build(sql, parameters, db.Model);
        if (templates.Count < MaxTemplates && Template.Of(built, parameters) is { } template) templates.TryAdd(sql, template); // the first kept stays
        return (built.RelationalCommand, built.ParameterValues);
    }

    /// <summary>
    /// Statements kept per model. The callers' texts are few (one per statement and IN-list length, chunked), so this is a guard
    /// against a future caller that builds its text from values, not a size anyone should reach.
    /// </summary>
    internal const int MaxTemplates = 4_096;

    /// <summary>Per model, as EF Core binds a command's type mappings to the model it was built for (one process can hold several).</summary>
    private static readonly ConditionalWeakTable<IModel, ConcurrentDictionary<string, Template>> Templates = new();

    /// <summary>A built command, the names EF Core gave its parameters (in the statement's order) and the types they were built for.</summary>
    private sealed class Template(IRelationalCommand command, string[] names, Type[] types)
    {
        public IRelationalCommand Command { get; } = command;

        public bool Fits(object[] parameters)
        {
            if (parameters.Length != types.Length) return false;
            for (var i = 0; i < parameters.Length; i++)
                if (parameters[i]?.GetType() != types[i]) return false;
            return true;
        }

        public Dictionary<string, object?> Values(object[] parameters)
        {
            var values = new Dictionary<string, object?>(names.Length, StringComparer.Ordinal);
            for (var i = 0; i < names.Length; i++) values.Add(names[i], parameters[i]);
            return values;
        }

        /// <summary>
        /// Kept only when every value is a plain, non-null value EF Core named one to one (a <see cref="DbParameter"/> carries its own
        /// name and settings, a null its own mapping): each name is matched to its value by identity, not by trusting an order.
        /// </summary>
        public static Template? Of(RawSqlCommand built, object[] parameters)
        {
            if (built.ParameterValues.Count != parameters.Length) return null;
            var names = new string[parameters.Length];
            var types = new Type[parameters.Length];
            for (var i = 0; i < parameters.Length; i++)
            {
                if (parameters[i] is null or DbParameter) return null;
                var name = built.ParameterValues.FirstOrDefault(p => ReferenceEquals(p.Value, parameters[i])).Key;
                if (name is null) return null;
                names[i] = name;
                types[i] = parameters[i].GetType();
            }
            return names.Distinct(StringComparer.Ordinal).Count() == names.Length ? new Template(built.RelationalCommand, names, types) : null;
        }
    }
}
