using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Portal.Infrastructure.Data;

/// <summary>
/// Sets SQLite's <c>synchronous</c> mode once per physical connection (the pool hands the same ones out again), not
/// per query: the setting is per connection and SQLite has no connection-string keyword for it.
/// <para>
/// The embedded default is <c>NORMAL</c>, SQLite's recommendation for WAL databases: a commit is durable when the
/// process crashes and the database is never corrupted, but the last commits before a power cut or an OS crash
/// may be lost (the WAL is synced at checkpoints, not at every commit). <c>FULL</c> syncs the WAL on every
/// commit; on the machines measured that wait was about 2 ms of a 5 ms command, so a bulk RMM update or an
/// advisory fan-out pays it per transaction. Set <c>Database:SqliteSynchronous</c> to <c>Full</c> where a lost
/// second of changes after a power cut matters more (docs/operations.md). Production runs on SQL Server.
/// </para>
/// </summary>
public sealed class SqliteSynchronousMode(SqliteSynchronousMode.Level level) : DbConnectionInterceptor
{
    public enum Level { Normal, Full }

    private readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> _configured = [];
    private readonly string _pragma = $"PRAGMA synchronous={level.ToString().ToUpperInvariant()};";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private void Apply(DbConnection connection)
    {
        if (connection is not SqliteConnection { Handle: { } handle } || _configured.TryGetValue(handle, out _)) return;
        var rc = SQLitePCL.raw.sqlite3_exec(handle, _pragma);
        if (rc != SQLitePCL.raw.SQLITE_OK) throw new InvalidOperationException($"SQLite refused '{_pragma}' (error {rc}).");
        _configured.AddOrUpdate(handle, this);
    }
}
