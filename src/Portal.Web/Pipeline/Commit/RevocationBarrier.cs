using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Portal.Data;

namespace Portal.Pipeline.Commit;

/// <summary>
/// Keeps live clients from hearing of a change before the access revoked by an earlier commit of this instance is taken
/// away everywhere. <see cref="UnitOfWork"/> registers each commit that carries an <see cref="AccessChange"/> the moment it
/// commits and notes, on every committed record, the last such commit before it; <see cref="CommitPublisher"/> completes the
/// revocation after the <see cref="CommitStage.RevokeAccess"/> stage and, before any later stage, waits (at most
/// <see cref="MaxWait"/>) for every revocation committed before its own change. A commit published by nobody (a unit of work
/// whose caller never publishes) is given up after <see cref="MaxWait"/>.
/// </summary>
public sealed class RevocationBarrier
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<long, TaskCompletionSource> _pending = new();
    private long _last;

    /// <summary>Called right after the commit: the record gets its place among this instance's revocations.</summary>
    public CommittedChanges Committed(CommittedChanges committed)
    {
        if (committed.AccessChanged is null) return committed with { RevocationsBefore = Interlocked.Read(ref _last) };
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long ticket;
        lock (_pending)
        {
            ticket = ++_last;
            _pending[ticket] = done;
        }
        _ = done.Task.WaitAsync(MaxWait).ContinueWith(_ => Completed(ticket), TaskScheduler.Default);
        return committed with { RevocationTicket = ticket, RevocationsBefore = ticket };
    }

    public void Completed(long ticket)
    {
        if (_pending.TryRemove(ticket, out var done)) done.TrySetResult();
    }

    /// <summary>Waits until every revocation registered up to <paramref name="upTo"/> is applied (or <see cref="MaxWait"/> passed).</summary>
    public Task EarlierRevocationsAsync(long upTo)
    {
        if (_pending.IsEmpty) return Task.CompletedTask;
        var waits = _pending.Where(p => p.Key <= upTo).Select(p => p.Value.Task).ToList();
        return waits.Count == 0 ? Task.CompletedTask : Task.WhenAll(waits).WaitAsync(MaxWait).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>The application's barrier, found through the context's services (none for a context built by hand).</summary>
    public static RevocationBarrier? Of(PortalDbContext db) =>
        db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider?.GetService(typeof(RevocationBarrier)) as RevocationBarrier;
}
