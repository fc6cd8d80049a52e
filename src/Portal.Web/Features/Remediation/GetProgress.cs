using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

// Progress roll-ups read the counter rows kept with every task change (RemediationProgress): one row per incident, a
// sum over a tenant's rows, a sum per tenant over an MSP's tenants. No query here counts tasks.

/// <summary>An incident's counters (customers of the tenant may read them).</summary>
[Requires(Permission.ReadRemediationProgress)]
public sealed record GetIncidentProgress(Guid IncidentId) : IQuery<IncidentProgressView>, IIncidentRequest;

public sealed record IncidentProgressView(Guid IncidentId, Guid TenantId, ProgressView Counts, DateTimeOffset? UpdatedAt);

public sealed class GetIncidentProgressHandler(PortalDbContext db) : IQueryHandler<GetIncidentProgress, IncidentProgressView>
{
    public async ValueTask<IncidentProgressView> Handle(GetIncidentProgress query, CancellationToken cancellationToken)
    {
        var incident = db.Incidents.Local.FirstOrDefault(i => i.Id == query.IncidentId)
            ?? await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Id == query.IncidentId, cancellationToken)
            ?? throw new NotFoundException("incident", query.IncidentId);
        var row = await db.RemediationProgress.AsNoTracking().SingleOrDefaultAsync(p => p.IncidentId == query.IncidentId, cancellationToken);
        return new IncidentProgressView(incident.Id, incident.TenantId, ProgressView.From(row), row?.UpdatedAt);
    }
}

/// <summary>A tenant's counters: the sum of its incidents' rows (customers may read their own tenant's).</summary>
[Requires(Permission.ReadRemediationProgress)]
public sealed record GetTenantProgress(Guid TenantId) : IQuery<TenantProgressView>, ITenantRequest;

public sealed record TenantProgressView(Guid TenantId, string TenantName, int Incidents, ProgressView Counts);

/// <remarks>The sums are shared by everyone who reads them until the tenant's counters change (<see cref="TenantRecoveryCache"/>).</remarks>
public sealed class GetTenantProgressHandler(PortalDbContext db, CurrentUser currentUser, TenantRecoveryCache cache) : IQueryHandler<GetTenantProgress, TenantProgressView>
{
    public async ValueTask<TenantProgressView> Handle(GetTenantProgress query, CancellationToken cancellationToken)
    {
        var (incidents, counts) = await cache.Counts.GetAsync(query.TenantId, null, async () =>
        {
            // Not cancelled with the request that began the build: others may be waiting for it.
            var sums = await ProgressSums.PerTenantAsync(db, [query.TenantId], CancellationToken.None);
            return sums.GetValueOrDefault(query.TenantId, (0, ProgressView.Zero));
        });
        return new TenantProgressView(query.TenantId, currentUser.Required.Tenants[query.TenantId].Name, incidents, counts);
    }
}

/// <summary>The MSP's roll-up: every tenant the user manages with the permission, each with its sums, and the total.</summary>
[Requires(Permission.ReadRemediationProgress)]
public sealed record GetMspProgress : IQuery<MspProgressView>;

public sealed record MspProgressView(IReadOnlyList<TenantProgressView> Tenants, ProgressView Total);

public sealed class GetMspProgressHandler(PortalDbContext db, CurrentUser currentUser) : IQueryHandler<GetMspProgress, MspProgressView>
{
    public async ValueTask<MspProgressView> Handle(GetMspProgress query, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        if (!user.IsKind(OrganisationKind.Msp)) throw new NotPermittedException("The MSP roll-up is for MSP users; read your own tenant's progress instead.");
        var tenants = user.Tenants.Values
            .Where(t => t.Access == TenantAccess.Msp && user.Has(Permission.ReadRemediationProgress, t.TenantId))
            .OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var sums = await ProgressSums.PerTenantAsync(db, [.. tenants.Select(t => t.TenantId)], cancellationToken);
        var rows = tenants.Select(t =>
        {
            var (incidents, counts) = sums.GetValueOrDefault(t.TenantId, (0, ProgressView.Zero));
            return new TenantProgressView(t.TenantId, t.Name, incidents, counts);
        }).ToList();
        return new MspProgressView(rows, rows.Aggregate(ProgressView.Zero, (total, t) => total.Plus(t.Counts)));
    }
}

internal static class ProgressSums
{
    /// <summary>One grouped query over the counter rows of these tenants (the query filters still apply).</summary>
    public static async Task<Dictionary<Guid, (int Incidents, ProgressView Counts)>> PerTenantAsync(PortalDbContext db, IReadOnlyList<Guid> tenantIds, CancellationToken ct)
    {
        if (tenantIds.Count == 0) return [];
        var rows = await db.RemediationProgress.AsNoTracking()
            .Where(p => tenantIds.Contains(p.TenantId))
            .GroupBy(p => p.TenantId)
            .Select(g => new
            {
                TenantId = g.Key,
                Incidents = g.Count(),
                Pending = g.Sum(p => p.Pending),
                InProgress = g.Sum(p => p.InProgress),
                Blocked = g.Sum(p => p.Blocked),
                Done = g.Sum(p => p.Done),
                Failed = g.Sum(p => p.Failed),
                NotApplicable = g.Sum(p => p.NotApplicable),
            })
            .ToListAsync(ct);
        return rows.ToDictionary(r => r.TenantId, r => (r.Incidents, new ProgressView(r.Pending, r.InProgress, r.Blocked, r.Done, r.Failed, r.NotApplicable)));
    }
}
