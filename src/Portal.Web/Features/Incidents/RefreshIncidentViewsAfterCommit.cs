using Portal.Pipeline.Commit;

namespace Portal.Features.Incidents;

/// <summary>
/// Drops the customers' view of every incident a commit touched (<see cref="CustomerIncidentCache"/>) before any client is told
/// (<see cref="CommitStage.RefreshReads"/>): a timeline entry of any kind (an internal one can still change what customers see,
/// such as who is on it) and remediation progress.
/// </summary>
public sealed class RefreshIncidentViewsAfterCommit(CustomerIncidentCache cache) : ICommitReaction
{
    public CommitStage Stage => CommitStage.RefreshReads;

    public ValueTask OnCommittedAsync(CommittedChanges changes, CancellationToken cancellationToken)
    {
        foreach (var incidentId in changes.Tenants.SelectMany(t => t.Entries).Select(e => e.Entry.IncidentId).Concat(changes.Progress.Select(p => p.IncidentId)).Distinct())
            cache.Invalidate(incidentId);
        return ValueTask.CompletedTask;
    }
}
