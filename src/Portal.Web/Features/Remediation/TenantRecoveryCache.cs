using Portal.Infrastructure.Caching;
using Portal.Pipeline.Commit;

namespace Portal.Features.Remediation;

/// <summary>
/// A tenant's recovery as everyone who may read it sees it: its task counts (<see cref="GetTenantProgress"/>) and its burn-down
/// (<see cref="GetTenantBurnDown"/>), built once per change and shared (<see cref="SharedViews{TKey,TView}"/>). The status page
/// links the recovery page, and while devices come back a crowd of customers keeps it open; every progress change made every one
/// of those pages refetch, and each refetch added up the tenant's counters and read every burn-down sample of the tenant again.
/// Dropped when the tenant's remediation counters change on this instance (<see cref="RefreshRecoveryAfterCommit"/>), at most
/// <see cref="Lifetime"/> old otherwise. Access is checked for each request before the cache is asked (the queries' access check).
/// </summary>
public sealed class TenantRecoveryCache : IDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(15);

    public SharedViews<Guid, (int Incidents, ProgressView Counts)> Counts { get; } = new(Lifetime);

    public SharedViews<Guid, BurnDownView> BurnDowns { get; } = new(Lifetime);

    public void Invalidate(Guid tenantId)
    {
        Counts.Invalidate(tenantId);
        BurnDowns.Invalidate(tenantId);
    }

    public void Dispose()
    {
        Counts.Dispose();
        BurnDowns.Dispose();
    }
}

/// <summary>Drops a tenant's recovery views before any client is told (<see cref="CommitStage.RefreshReads"/>) when its counters changed.</summary>
public sealed class RefreshRecoveryAfterCommit(TenantRecoveryCache cache) : ICommitReaction
{
    public CommitStage Stage => CommitStage.RefreshReads;

    public ValueTask OnCommittedAsync(CommittedChanges changes, CancellationToken cancellationToken)
    {
        foreach (var tenantId in changes.Progress.Select(p => p.TenantId).Distinct()) cache.Invalidate(tenantId);
        return ValueTask.CompletedTask;
    }
}
