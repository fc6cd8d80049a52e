using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Portal.Data;
using Portal.Domain;

namespace Portal.Features.Escalations;

/// <summary>
/// Plans the escalation clock in the same save as the change that needs it: an incident opened by a user's command (API, page,
/// an advisory's fan-out), or one whose severity or status changed. The due times land on the incident row in the command's
/// transaction; <see cref="ScheduleEscalationTimers"/> starts the timer after the commit. Only an opening or a severity change sets due
/// times (<see cref="Incident.PlanEscalations"/>); a status change moves on to the next level (<see cref="Incident.PlanNextEscalation"/>). Seeding and other system work that opens
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
        List<(Incident Incident, bool Regraded)>? changed = null;
        // PortalDbContext's save detected every change just before this runs and does not let Entries() scan again.
        foreach (var entry in db.ChangeTracker.Entries<Incident>())
        {
            // By name: the lambda overloads build an expression tree (and reflect over Incident) on every save.
            var regraded = entry.State == EntityState.Added || entry.State == EntityState.Modified && entry.Property(nameof(Incident.Severity)).IsModified;
            var needsPlan = entry.State switch
            {
                EntityState.Added => !db.Scope.IsSystem,
                EntityState.Modified => regraded || entry.Property(nameof(Incident.Status)).IsModified,
                _ => false,
            };
            // A modified incident that never had a clock (seeded, or older than this feature) keeps none.
            if (needsPlan && (entry.State == EntityState.Added || entry.Entity.AcknowledgeDueAt is not null)) (changed ??= []).Add((entry.Entity, regraded));
        }
        if (changed is null) return;
        var plans = await EscalationPlans.ForTenantsAsync(db, [.. changed.Select(c => c.Incident.TenantId)], changed.Max(c => c.Incident.UpdatedAt), ct);
        foreach (var (incident, regraded) in changed)
        {
            if (!plans.TryGetValue(incident.TenantId, out var plan)) continue;
            // Opened or re-graded: due times for its severity now; a status change only moves on to the next level.
            if (regraded) incident.PlanEscalations(plan);
            else incident.PlanNextEscalation(plan);
            db.Entry(incident).DetectChanges(); // the save does not detect again (PortalDbContext.SaveChangesAsync)
        }
    }
}
