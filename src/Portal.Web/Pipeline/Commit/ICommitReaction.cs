namespace Portal.Pipeline.Commit;

/// <summary>
/// When a reaction runs, relative to the others. The order is the point: a client told of a change refetches at
/// once, so everything that answers reads must have dropped its old state before any client is told.
/// </summary>
public enum CommitStage
{
    /// <summary>
    /// Access the change took away is taken away, on every instance (<see cref="AccessChange"/>, <see cref="IAccessRevoker"/>):
    /// before anything is refreshed or told, so no event of this or a later change reaches someone who lost access.
    /// </summary>
    RevokeAccess = 0,

    /// <summary>Caches and snapshots that answer reads (the customer status) drop what the change made stale.</summary>
    RefreshReads = 1,

    /// <summary>Live clients are told (they refetch on a gap, so they must find the new state already).</summary>
    TellClients = 2,

    /// <summary>Outbound notifications are handed to their executor (their rows committed with the change).</summary>
    Notify = 3,
}

/// <summary>
/// A feature's writes that belong to the change itself (notifications' outbox rows): run inside the transaction, after the
/// streams are numbered and before the commit, from the same record the reactions get. A failing writer fails the change.
/// Registered as singletons; <see cref="UnitOfWork"/> finds them through the context's application services.
/// </summary>
public interface IInTransactionWriter
{
    ValueTask WriteAsync(Portal.Data.PortalDbContext db, CommittedChanges changes, CancellationToken cancellationToken);
}

/// <summary>
/// A feature's reaction to a committed change. Registered per feature; <see cref="CommitPublisher"/> runs them by
/// <see cref="Stage"/>. The change is durable by then: a reaction cannot undo it, and a failing one is logged and
/// does not stop the next.
/// </summary>
public interface ICommitReaction
{
    CommitStage Stage { get; }

    ValueTask OnCommittedAsync(CommittedChanges changes, CancellationToken cancellationToken);
}
