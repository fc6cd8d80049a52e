using Portal.Pipeline.Commit;

namespace Portal.Features.CustomerStatus;

/// <summary>A customer-visible change drops the tenant's status snapshot and rendered pages before any client is told (<see cref="CommitStage.RefreshReads"/>).</summary>
public sealed class RefreshStatusAfterCommit(CustomerStatusCache cache) : ICommitReaction
{
    public CommitStage Stage => CommitStage.RefreshReads;

    public async ValueTask OnCommittedAsync(CommittedChanges changes, CancellationToken cancellationToken)
    {
        // An internal note changes nothing a customer sees: the snapshot stays.
        foreach (var tenant in changes.Tenants.Where(t => t.CustomerVisible)) await cache.InvalidateAsync(tenant.TenantId, tenant.CustomerSequence);
    }
}
