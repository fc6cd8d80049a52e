using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;

namespace Portal.Features.Escalations;

/// <summary>The plan that applies to each tenant's incidents: the policy of the MSP managing it (or the default), tightened by its contract.</summary>
public static class EscalationPlans
{
    /// <summary>Two small reads (contracts, then policies) for any number of tenants; a tenant no MSP manages at <paramref name="at"/> has no plan.</summary>
    public static async Task<Dictionary<Guid, EscalationPlan>> ForTenantsAsync(PortalDbContext db, IReadOnlyCollection<Guid> tenantIds, DateTimeOffset at, CancellationToken ct)
    {
        var ids = tenantIds.Distinct().ToList();
        var contracts = await db.Contracts.AsNoTracking()
            .Where(c => ids.Contains(c.CustomerId) && c.StartedAt <= at && (c.EndedAt == null || c.EndedAt > at))
            .ToListAsync(ct);
        // The longest-standing contract decides when two MSPs manage one tenant.
        var byTenant = contracts.GroupBy(c => c.CustomerId).ToDictionary(g => g.Key, g => g.OrderBy(c => c.StartedAt).ThenBy(c => c.Id).First());
        var mspIds = byTenant.Values.Select(c => c.MspId).Distinct().ToList();
        var policies = mspIds.Count == 0 ? [] : await db.EscalationPolicies.AsNoTracking().Where(p => mspIds.Contains(p.MspId)).ToDictionaryAsync(p => p.MspId, ct);
        return byTenant.ToDictionary(t => t.Key, t => EscalationPlan.For(policies.GetValueOrDefault(t.Value.MspId) ?? EscalationPolicy.Default(t.Value.MspId), t.Value));
    }

    /// <summary>The MSP's stored policy, or the default it has until its lead saves one.</summary>
    public static async Task<EscalationPolicy> PolicyOfAsync(PortalDbContext db, Guid mspId, bool tracked, CancellationToken ct)
    {
        var query = tracked ? db.EscalationPolicies : db.EscalationPolicies.AsNoTracking();
        return await query.FirstOrDefaultAsync(p => p.MspId == mspId, ct) ?? EscalationPolicy.Default(mspId);
    }
}
