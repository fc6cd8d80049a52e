using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace Portal.Pipeline;

/// <summary>
/// A concurrency conflict, a deadlock or serialization failure, or a unique key another transaction took first (two
/// commands numbering the same timeline entry, creating the same row): a re-run on fresh data decides again — for a
/// duplicate, it then finds the other's row and answers as for any duplicate. Looked for along the whole chain of inner
/// exceptions: Npgsql's execution strategy wraps a transient error (a deadlock, 40P01) in an InvalidOperationException
/// around the DbUpdateException around the PostgresException, and two concurrent first tasks of an incident once answered
/// 500 for a deadlock that a re-run resolves.
/// </summary>
public static class WriteConflicts
{
    public static bool IsConflict(Exception e) => Chain(e).Any(x =>
        x is DbUpdateConcurrencyException || x is DbException { IsTransient: true } || (x is DbUpdateException && IsUniqueViolation(x.InnerException)));

    /// <summary>The exception and its inner exceptions, outermost first.</summary>
    public static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException) yield return x;
    }

    private static bool IsUniqueViolation(Exception? e) => e switch
    {
        Npgsql.PostgresException p => p.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation,
        Microsoft.Data.SqlClient.SqlException s => s.Number is 2601 or 2627,
        Microsoft.Data.Sqlite.SqliteException s => s.SqliteExtendedErrorCode is 2067 or 1555,
        _ => false,
    };
}
