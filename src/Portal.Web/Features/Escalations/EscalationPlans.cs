using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
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

/// <summary>
/// Plans the escalation clock in the same save as the change that needs it: an incident opened by a user's command (API, page,
/// an advisory's fan-out), or one whose severity or status changed. The due times land on the incident row in the command's
/// transaction; <see cref="ScheduleEscalationTimers"/> starts the timer after the commit. Seeding and other system work that opens
/// incidents (demo data) starts no clock: an incident without due times never escalates.
/// </summary>
public sealed class PlanEscalationsOnSave : SaveChangesInterceptor
{
    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is PortalDbContext db) await PlanAsync(db, cancellationToken);
        return result;
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (eventData.Context is PortalDbContext db) PlanAsync(db, CancellationToken.None).GetAwaiter().GetResult();
        return result;
    }

    private static async Task PlanAsync(PortalDbContext db, CancellationToken ct)
    {
        List<Incident>? changed = null;
        // PortalDbContext's save detected every change just before this runs and does not let Entries() scan again.
        foreach (var entry in db.ChangeTracker.Entries<Incident>())
        {
            var needsPlan = entry.State switch
            {
                EntityState.Added => !db.Scope.IsSystem,
                // By name: the lambda overloads build an expression tree (and reflect over Incident) on every save.
                EntityState.Modified => entry.Property(nameof(Incident.Severity)).IsModified || entry.Property(nameof(Incident.Status)).IsModified,
                _ => false,
            };
            // A modified incident that never had a clock (seeded, or older than this feature) keeps none.
            if (needsPlan && (entry.State == EntityState.Added || entry.Entity.AcknowledgeDueAt is not null)) (changed ??= []).Add(entry.Entity);
        }
        if (changed is null) return;
        var plans = await EscalationPlans.ForTenantsAsync(db, [.. changed.Select(i => i.TenantId)], changed.Max(i => i.UpdatedAt), ct);
        foreach (var incident in changed)
        {
            if (!plans.TryGetValue(incident.TenantId, out var plan)) continue;
            incident.PlanEscalations(plan);
            db.Entry(incident).DetectChanges(); // the save does not detect again (PortalDbContext.SaveChangesAsync)
        }
    }
}
