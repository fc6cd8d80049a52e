using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Features.Remediation;
using Portal.Pipeline;

namespace Portal.Features.Advisories;

/// <summary>
/// The provider's picture of an advisory's reach and recovery: how many tenants it targets and how many their MSPs acknowledged,
/// how many linked incidents are open or resolved, how many devices are done out of how many, the burn-down over time, and the
/// same counts per MSP under a label that is only a number. Counts only: the view types hold numbers and times, nothing else,
/// so no name, title, note or device can travel in them whatever a later change to the handler does.
/// </summary>
[Requires(Permission.ReadAdvisoryImpact)]
public sealed record GetAdvisoryImpact(Guid AdvisoryId) : IQuery<AdvisoryImpactView>, IAdvisoryRequest;

/// <summary>Counts of one advisory across every targeted tenant. Numbers and times only, by design (see <see cref="GetAdvisoryImpact"/>).</summary>
public sealed record AdvisoryImpactView(
    ImpactCounts Totals,
    IReadOnlyList<MspImpactView> Msps,
    BurnDownView BurnDown,
    DateTimeOffset AsOf);

/// <summary>
/// Tenants targeted and acknowledged, linked incidents open and resolved (Resolved or Closed), devices (remediation tasks)
/// restored (Done), failed and affected in all (a device found not applicable is neither).
/// </summary>
public sealed record ImpactCounts(int TenantsTargeted, int TenantsAcknowledged, int IncidentsOpen, int IncidentsResolved,
    int DevicesCompleted, int DevicesFailed, int DevicesTotal)
{
    public int TenantsUnacknowledged => TenantsTargeted - TenantsAcknowledged;
    public int DevicesRemaining => DevicesTotal - DevicesCompleted;

    public static readonly ImpactCounts None = new(0, 0, 0, 0, 0, 0, 0);
}

/// <summary>
/// One MSP's share, anonymised: <see cref="Number"/> orders the MSPs by how many targeted tenants they manage (ties in an order
/// that means nothing); it is not an identifier and changes when the targets do. Tenants without an MSP under contract are
/// counted in one group with number 0.
/// </summary>
public sealed record MspImpactView(int Number, ImpactCounts Counts)
{
    public string Label => Number == 0 ? "No MSP" : $"MSP {Number}";
}

public sealed class GetAdvisoryImpactHandler(PortalDbContext db, TimeProvider clock) : IQueryHandler<GetAdvisoryImpact, AdvisoryImpactView>
{
    public async ValueTask<AdvisoryImpactView> Handle(GetAdvisoryImpact query, CancellationToken cancellationToken)
    {
        var advisoryId = query.AdvisoryId;
        var now = clock.GetUtcNow();

        // The provider's scope sees no target, incident or counter of any tenant (the query filters): these reads go around
        // the filters, each one narrowed to this advisory, and keep tenant and incident ids in this method. Nothing but
        // numbers leaves it. AccessBehavior has checked ReadAdvisoryImpact in the advisory's own provider before we get here.
        var targets = await db.AdvisoryTargets.IgnoreQueryFilters().AsNoTracking()
            .Where(t => t.AdvisoryId == advisoryId)
            .Select(t => new { t.TenantId, Acknowledged = t.AcknowledgedAt != null })
            .ToListAsync(cancellationToken);
        var targeted = targets.Select(t => t.TenantId).ToHashSet();

        // Linked incidents count only in tenants the advisory targets now (a tenant no longer targeted is not counted for it), and
        // only each tenant's latest: after a second wave, the new incident and not the closed one it follows.
        var incidents = (await db.Incidents.IgnoreQueryFilters().AsNoTracking()
                .Where(i => i.AdvisoryId == advisoryId)
                .Select(i => new { i.Id, i.TenantId, i.Status, i.Number })
                .ToListAsync(cancellationToken))
            .Where(i => targeted.Contains(i.TenantId))
            .GroupBy(i => i.TenantId).Select(g => g.MaxBy(i => i.Number)!).ToList();
        // The counters of those incidents (one row each), and the burn-down recorded for the advisory, ended by them.
        var progress = await AdvisoryBurnDown.CountedCountersAsync(db, advisoryId, cancellationToken);
        var burnDown = await AdvisoryBurnDown.ReadAsync(db, advisoryId, progress, now, cancellationToken);

        // Which MSP manages each targeted tenant (an active contract); contracts are not tenant data and carry no filter.
        var contracts = await db.Contracts.AsNoTracking().Where(c => targeted.Contains(c.CustomerId)).ToListAsync(cancellationToken);
        var mspOf = contracts.Where(c => c.IsActiveAt(now)).GroupBy(c => c.CustomerId)
            .ToDictionary(g => g.Key, g => g.Min(c => c.MspId)); // one group per tenant, even if two MSPs manage it

        ImpactCounts CountsFor(IReadOnlySet<Guid> tenants)
        {
            var linked = incidents.Where(i => tenants.Contains(i.TenantId)).ToList();
            var counters = progress.Where(p => tenants.Contains(p.TenantId)).ToList();
            return new ImpactCounts(
                TenantsTargeted: targets.Count(t => tenants.Contains(t.TenantId)),
                TenantsAcknowledged: targets.Count(t => t.Acknowledged && tenants.Contains(t.TenantId)),
                IncidentsOpen: linked.Count(i => !IsResolved(i.Status)),
                IncidentsResolved: linked.Count(i => IsResolved(i.Status)),
                DevicesCompleted: counters.Sum(p => p.Done),
                DevicesFailed: counters.Sum(p => p.Failed),
                DevicesTotal: counters.Sum(p => p.Total - p.NotApplicable));
        }

        var groups = targeted
            .GroupBy(t => mspOf.TryGetValue(t, out var msp) ? msp : (Guid?)null)
            .Select(g => (Msp: g.Key, Tenants: (IReadOnlySet<Guid>)g.ToHashSet()))
            .OrderBy(g => g.Msp is null ? 1 : 0).ThenByDescending(g => g.Tenants.Count).ThenBy(g => g.Msp)
            .ToList();
        var numbered = 0;
        var msps = groups.Select(g => new MspImpactView(g.Msp is null ? 0 : ++numbered, CountsFor(g.Tenants))).ToList();

        return new AdvisoryImpactView(CountsFor(targeted), msps, burnDown, now);
    }

    private static bool IsResolved(IncidentStatus status) => status is IncidentStatus.Resolved or IncidentStatus.Closed;
}
