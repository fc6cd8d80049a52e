namespace Portal.Pipeline.Commit;

/// <summary>
/// When a reaction runs, relative to the others. The order is the point: a client told of a change refetches at
/// once, so everything that answers reads must have dropped its old state before any client is told.
/// </summary>
public enum CommitStage
{
    /// <summary>Caches and snapshots that answer reads (the customer status) drop what the change made stale.</summary>
    RefreshReads = 1,

    /// <summary>Live clients are told (they refetch on a gap, so they must find the new state already).</summary>
    TellClients = 2,
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
