using Portal.Pipeline.Commit;

namespace Portal.Features.CustomerStatus;

/// <summary>
/// A customer-visible change (a timeline entry the customer may read, remediation progress: how many devices are back, or an
/// advisory that concerns the tenant)
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
        foreach (var tenant in changes.Advisories.SelectMany(a => a.Tenants).Where(t => invalidated.Add(t.TenantId)))
            await cache.InvalidateAsync(tenant.TenantId, tenant.CustomerSequence);
        foreach (var tenantId in changes.Progress.Select(p => p.TenantId).Concat(changes.Advisories.SelectMany(a => a.DroppedTenantIds)).Distinct().Where(t => !invalidated.Contains(t)))
            await cache.InvalidateAsync(tenantId, sequence: null);
    }
}
