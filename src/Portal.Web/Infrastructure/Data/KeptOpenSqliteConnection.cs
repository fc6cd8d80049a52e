using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Sqlite.Storage.Internal;
using Microsoft.EntityFrameworkCore.Storage;

namespace Portal.Infrastructure.Data;

#pragma warning disable EF1001 // EF Core's own SQLite connection, changed in one respect only; SqliteStatementCacheTests and the whole suite run through it.

/// <summary>
/// EF Core's SQLite connection, except that it does not close its <see cref="Microsoft.Data.Sqlite.SqliteConnection"/> after each
/// use or when its pooled context goes back to the pool: closing finalises every statement compiled on it, which would leave
/// <see cref="SqliteStatementCache"/> nothing to reuse. It is closed when the application has stopped
/// (<see cref="SqliteStatementCache.CloseAll"/>: EF Core does not dispose a pooled context's connection when the pool goes),
/// when the pool, already holding <see cref="DatabaseSetup.SqliteContextsKept"/> contexts, discards its context (PortalDbContext.Dispose),
/// and as usual when it broke. Between uses an open SQLite connection holds no lock and no snapshot: a statement is reset when
/// its reader is disposed, and a transaction ends with its unit of work.
/// </summary>
public sealed class KeptOpenSqliteConnection(
    RelationalConnectionDependencies dependencies,
    IRawSqlCommandBuilder rawSqlCommandBuilder,
    IDiagnosticsLogger<DbLoggerCategory.Infrastructure> logger)
    : SqliteRelationalConnection(dependencies, rawSqlCommandBuilder, logger)
{
    protected override void CloseDbConnection()
    {
        if (DbConnection.State == ConnectionState.Broken) base.CloseDbConnection();
    }

    protected override Task CloseDbConnectionAsync() =>
        DbConnection.State == ConnectionState.Broken ? base.CloseDbConnectionAsync() : Task.CompletedTask;
}
