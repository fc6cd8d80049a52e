using Portal.Pipeline.Commit;

namespace Portal.Features.CustomerStatus;

/// <summary>
/// A customer-visible change (a timeline entry the customer may read, or remediation progress: how many devices are back)
/// drops the tenant's status snapshot and rendered pages before any client is told (<see cref="CommitStage.RefreshReads"/>).
/// </summary>
public sealed class RefreshStatusAfterCommit(CustomerStatusCache cache) : ICommitReaction
{
    public CommitStage Stage => CommitStage.RefreshReads;

    public async ValueTask OnCommittedAsync(CommittedChanges changes, CancellationToken cancellationToken)
    {
        // An internal note changes nothing a customer sees: the snapshot stays.
        var invalidated = new HashSet<Guid>();
        foreach (var tenant in changes.Tenants.Where(t => t.CustomerVisible))
        {
            await cache.InvalidateAsync(tenant.TenantId, tenant.CustomerSequence);
            invalidated.Add(tenant.TenantId);
        }
        foreach (var tenantId in changes.Progress.Select(p => p.TenantId).Distinct().Where(t => !invalidated.Contains(t)))
            await cache.InvalidateAsync(tenantId, sequence: null);
    }
}
