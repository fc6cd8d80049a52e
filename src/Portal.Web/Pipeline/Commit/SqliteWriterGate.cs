using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Pipeline.Commit;

/// <summary>
/// SQLite has one writer per database file, and a unit of work takes it at once (<c>BEGIN IMMEDIATE</c>). A second writer
/// that finds it taken does not wait asynchronously: Microsoft.Data.Sqlite retries <c>SQLITE_BUSY</c> by putting the thread to
/// sleep (150 ms at a time) until the command timeout. Twenty concurrent fan-outs therefore held nineteen thread-pool
/// threads asleep, on two cores, and everything else in the process (the hub's sends to the customers whose incidents had
/// just committed, Kestrel's answers) queued behind the pool's slow thread injection; and the sleeper that woke first, not
/// the one that asked first, got the file. Units of work of this process therefore queue for the file on an asynchronous,
/// first-come-first-served gate before they begin their transaction: no thread waits, and the order is the arrival order.
/// Writers of other processes (or raw writes outside a unit of work) still meet SQLite's own locking, as before. Other
/// providers have row locks and are not gated.
/// </summary>
public static class SqliteWriterGate
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);
    private static readonly AsyncLocal<bool> Held = new();

    /// <summary>
    /// Runs <paramref name="work"/> (which begins, and ends, its transaction) in this process's turn on the context's SQLite
    /// file; straight away on other providers, and inside a flow that already holds the turn.
    /// </summary>
    public static async Task<T> RunAsync<T>(PortalDbContext db, Func<Task<T>> work, CancellationToken ct)
    {
        // The context's cached provider name: Database.IsSqlite() reflects over the provider's assembly on every call.
        if (Held.Value || db.ProviderName != PortalDbContext.SqliteProvider) return await work();
        var gate = Gates.GetOrAdd(db.Database.GetConnectionString() ?? "", static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            Held.Value = true; // flows into the work, and is gone again when this method returns
            return await work();
        }
        finally
        {
            gate.Release();
        }
    }
}
