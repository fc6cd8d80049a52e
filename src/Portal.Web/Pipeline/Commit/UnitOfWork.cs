using Portal.Data;

namespace Portal.Pipeline.Commit;

/// <summary>
/// The commit path, for whoever changes data: a Mediator command (<see cref="TransactionBehavior{TMessage,TResponse}"/>)
/// or a background job that runs outside Mediator. One transaction; the work saves its unit of work once (raw SQL it
/// runs on the context's connection joins the same transaction); what the context saved is numbered on the live
/// streams (<see cref="StreamSequences"/>) inside the transaction; then the commit. The caller publishes the returned
/// record (<see cref="CommitPublisher"/>) once it is sure it will not run the work again.
/// </summary>
public static class UnitOfWork
{
    public static Task<(T Result, CommittedChanges Committed)> CommitAsync<T>(PortalDbContext db, string what, Func<CancellationToken, ValueTask<T>> work, CancellationToken cancellationToken) =>
        // On SQLite, this process's writers take turns without holding a thread each while they wait (SqliteWriterGate).
        SqliteWriterGate.RunAsync(db, () => CommitInTransactionAsync(db, what, work, cancellationToken), cancellationToken);

    private static async Task<(T Result, CommittedChanges Committed)> CommitInTransactionAsync<T>(PortalDbContext db, string what, Func<CancellationToken, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // A failed save fails the whole unit (rolled back below, run again whole when retried), so EF's savepoint around
        // each SaveChanges in a transaction would only cost two statements per save.
        var savepoints = db.Database.AutoSavepointsEnabled;
        db.Database.AutoSavepointsEnabled = false;
        try
        {
            var result = await work(cancellationToken);
            if (db.ChangeTracker.HasChanges())
                throw new InvalidOperationException($"{what} left changes unsaved; a unit of work saves once.");
            var committed = await StreamSequences.StampAsync(db, db.TakeSavedChanges(), cancellationToken);
            committed = await InTransactionWriters.RunAsync(db, committed, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            // Stamped after the commit: revocation's lag (portal.revocation.lag) counts from the moment the change is durable.
            if (committed.AccessChanged is { } access) committed = committed with { AccessChanged = access with { CommittedAt = DateTimeOffset.UtcNow } };
            if (RevocationBarrier.Of(db) is { } barrier) committed = barrier.Committed(committed);
            return (result, committed);
        }
        catch
        {
            db.TakeSavedChanges(); // rolled back: nothing of it may be published by a later unit of work of this scope
            db.TakeSavedOutbox();
            throw;
        }
        finally
        {
            db.Database.AutoSavepointsEnabled = savepoints;
        }
    }
}
