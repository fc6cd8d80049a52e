using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;

namespace Portal.Features.Advisories;

/// <summary>
/// Who an advisory reaches: the customer tenants with a subscription to one of its services — in one of its regions when it
/// names regions (a subscription without a region uses the service wherever it runs, so it matches too) — with the MSPs'
/// overrides applied by <see cref="Advisory.Retarget"/>. Computed when published, and again when the services or regions
/// change or a subscription does.
/// </summary>
public static class AdvisoryTargeting
{
    public static async Task<(IReadOnlyList<Guid> Added, IReadOnlyList<Guid> Removed)> RetargetAsync(PortalDbContext db, Advisory advisory, DateTimeOffset now, CancellationToken ct)
    {
        await LoadAllTargetsAsync(db, advisory, ct);
        return advisory.Retarget(await MatchingTenantsAsync(db, advisory, ct), now);
    }

    /// <summary>Every open advisory of these services is retargeted: a tenant's subscriptions changed.</summary>
    public static async Task RetargetOpenAdvisoriesAsync(PortalDbContext db, IReadOnlyCollection<Guid> serviceIds, DateTimeOffset now, CancellationToken ct)
    {
        var advisories = await db.Advisories.IgnoreQueryFilters().Include(a => a.Services)
            .Where(a => a.Status != AdvisoryStatus.Resolved && a.Services.Any(s => serviceIds.Contains(s.ServiceId))).ToListAsync(ct);
        foreach (var advisory in advisories) await RetargetAsync(db, advisory, now, ct);
    }

    public static async Task<List<Guid>> MatchingTenantsAsync(PortalDbContext db, Advisory advisory, CancellationToken ct)
    {
        var services = advisory.Services.Select(s => s.ServiceId).ToList();
        var regions = advisory.RegionList;
        var subscriptions = db.Subscriptions.AsNoTracking().Where(s => services.Contains(s.ServiceId));
        if (regions.Count > 0) subscriptions = subscriptions.Where(s => s.Region == null || regions.Contains(s.Region));
        return await subscriptions
            .Where(s => db.Organisations.Any(o => o.Id == s.CustomerId && o.Kind == OrganisationKind.Customer))
            .Select(s => s.CustomerId).Distinct().ToListAsync(ct);
    }

    /// <summary>
    /// Targets and overrides name tenants, so a provider's scope reads none of them; retargeting needs them all (it compares).
    /// They are loaded into the tracked advisory here and never leave this unit of work.
    /// </summary>
    private static async Task LoadAllTargetsAsync(PortalDbContext db, Advisory advisory, CancellationToken ct)
    {
        await db.AdvisoryTargets.IgnoreQueryFilters().Where(t => t.AdvisoryId == advisory.Id).LoadAsync(ct);
        await db.AdvisoryTargetOverrides.IgnoreQueryFilters().Where(o => o.AdvisoryId == advisory.Id).LoadAsync(ct);
    }
}
