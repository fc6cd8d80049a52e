using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>
/// Remaining against finished tasks over time, for one incident or (without an incident) the whole tenant: the burn-down the
/// MSP and the customer watch. Built from the samples the changes keep with the counters, one per incident per minute
/// (<see cref="RemediationChanges.AddSampleAsync"/>), never by counting tasks.
/// </summary>
[Requires(Permission.ReadRemediationProgress)]
public sealed record GetIncidentBurnDown(Guid IncidentId) : IQuery<BurnDownView>, IIncidentRequest;

[Requires(Permission.ReadRemediationProgress)]
public sealed record GetTenantBurnDown(Guid TenantId) : IQuery<BurnDownView>, ITenantRequest;

/// <summary>Points in time order; <see cref="BurnDownPoint.At"/> in Unix seconds, as charting libraries take it.</summary>
public sealed record BurnDownView(IReadOnlyList<BurnDownPoint> Points);

/// <remarks>
/// <see cref="Completed"/> is finished work (done, or found not to need doing), as the progress API's <c>completed</c>;
/// <see cref="Done"/> leaves the not-applicable out: what was restored, as the pages' "N of M devices restored" counts it.
/// </remarks>
public sealed record BurnDownPoint(long At, int Total, int Completed, int Failed, int NotApplicable)
{
    public int Remaining => Total - Completed;
    public int Done => Completed - NotApplicable;
}

public sealed class GetIncidentBurnDownHandler(PortalDbContext db) : IQueryHandler<GetIncidentBurnDown, BurnDownView>
{
    public async ValueTask<BurnDownView> Handle(GetIncidentBurnDown query, CancellationToken cancellationToken) =>
        BurnDown.Of(await db.RemediationProgressSamples.AsNoTracking()
            .Where(s => s.IncidentId == query.IncidentId)
            .OrderBy(s => s.At).ThenBy(s => s.Id)
            .Select(s => new BurnDown.Sample(s.IncidentId, s.At, s.Total, s.Completed, s.Failed, s.NotApplicable))
            .ToListAsync(cancellationToken));
}

/// <remarks>Shared by everyone who reads it until the tenant's counters change (<see cref="TenantRecoveryCache"/>).</remarks>
public sealed class GetTenantBurnDownHandler(PortalDbContext db, TenantRecoveryCache cache) : IQueryHandler<GetTenantBurnDown, BurnDownView>
{
    public async ValueTask<BurnDownView> Handle(GetTenantBurnDown query, CancellationToken cancellationToken) =>
        await cache.BurnDowns.GetAsync(query.TenantId, null, async () =>
            // Not cancelled with the request that began the build: others may be waiting for it.
            BurnDown.Of(await db.RemediationProgressSamples.AsNoTracking()
                .Where(s => s.TenantId == query.TenantId)
                .OrderBy(s => s.At).ThenBy(s => s.Id)
                .Select(s => new BurnDown.Sample(s.IncidentId, s.At, s.Total, s.Completed, s.Failed, s.NotApplicable))
                .ToListAsync(CancellationToken.None)));
}
