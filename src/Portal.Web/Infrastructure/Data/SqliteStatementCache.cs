using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Portal.Infrastructure.Data;

/// <summary>
/// SQLite statements compiled once per connection instead of once per execution. Microsoft.Data.Sqlite keeps a compiled
/// statement only inside one <see cref="SqliteCommand"/>, and only while its connection stays open; EF Core creates a new
/// command for every execution (dotnet/efcore#14044), so every query and every save compiled its SQL again: about a fifth of
/// the server's time for a note. This interceptor hands EF a <see cref="CachedSqliteCommand"/> instead, which runs the SQL on a
/// command kept per connection and SQL text; <see cref="KeptOpenSqliteConnection"/> keeps a pooled context's connection open
/// between leases so that the compiled statements survive. Switched off with <c>Database:SqliteStatementCache=false</c>.
/// </summary>
public sealed class SqliteStatementCache : DbCommandInterceptor, IDbConnectionInterceptor
{
    private readonly ConditionalWeakTable<SqliteConnection, SqliteStatements> _byConnection = [];

    /// <summary>Every connection EF opens is known here from its opening, so that <see cref="CloseAll"/> finds it.</summary>
    public void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (connection is SqliteConnection sqlite) StatementsOf(sqlite);
    }

    public Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ConnectionOpened(connection, eventData);
        return Task.CompletedTask;
    }

    public override InterceptionResult<DbCommand> CommandCreating(CommandCorrelatedEventData eventData, InterceptionResult<DbCommand> result) =>
        eventData.Connection is SqliteConnection connection && !result.HasResult
            ? InterceptionResult<DbCommand>.SuppressWithResult(new CachedSqliteCommand(StatementsOf(connection)))
            : result;

    internal SqliteStatements StatementsOf(SqliteConnection connection) => _byConnection.GetValue(connection, static c => new SqliteStatements(c));

    /// <summary>
    /// Closes the connections kept open (their statements with them), once the application has stopped: EF Core does not dispose the
    /// connection of a context that is back in its pool when the pool itself is disposed, and a connection kept open holds its files.
    /// </summary>
    public void CloseAll()
    {
        foreach (var (connection, _) in _byConnection) connection.Close();
    }

    /// <summary>Calls <see cref="CloseAll"/> when the application has stopped: after the server and every background service.</summary>
    internal sealed class CloseWhenStopped(SqliteStatementCache cache, IHostApplicationLifetime lifetime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStopped.Register(cache.CloseAll);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>
/// One connection's idle commands, by SQL text. A connection runs one command at a time, so there is no locking; a command in use
/// is not idle, so a second reader of the same SQL while the first is still open gets a command of its own (not kept afterwards).
/// </summary>
internal sealed class SqliteStatements(SqliteConnection connection)
{
    /// <summary>Enough for every statement Portal's features run; texts beyond it run on a command of their own, as without the cache.</summary>
    public const int MaxKept = 500;

    /// <summary>
    /// Longer texts are not kept: they are EF's batches of many statements (a save of hundreds of rows), each compiled statement of
    /// which would stay in memory, and a batch of another size is another text.
    /// </summary>
    public const int MaxKeptLength = 4_096;

    private readonly Dictionary<string, SqliteCommand> _idle = new(StringComparer.Ordinal);

    public SqliteConnection Connection => connection;

    public SqliteCommand Rent(string text)
    {
        if (_idle.Remove(text, out var kept)) return kept;
        var command = connection.CreateCommand();
        command.CommandText = text;
        return command;
    }

    public void Return(SqliteCommand command)
    {
        command.Parameters.Clear();
        command.Transaction = null;
        command.CommandTimeout = connection.DefaultTimeout;
        if (_idle.Count < MaxKept && command.CommandText.Length <= MaxKeptLength && _idle.TryAdd(command.CommandText, command)) return;
        command.Dispose();
    }
}
