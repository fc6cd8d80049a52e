using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline.Commit;

namespace Portal.Features.Escalations;

/// <summary>
/// The demo's incidents are opened by the seeder, and system work starts no clock (<see cref="PlanEscalationsOnSave"/>), so a
/// fresh <c>dotnet run</c> showed no due times and nothing escalating. With <c>Database:DemoEscalationClocks</c> (on in
/// appsettings.Development.json) every open incident that has no clock gets the one an engineer's open would have given it, from
/// when it opened, by its tenant's MSP policy: three hours into the demo's outage the first targets (a Sev1's four hours to
/// resolve, a new Sev3's four to acknowledge) fall due within the demo's first two hours, and escalate like any other (the
/// sweep, registered after this, fires whatever was already overdue). Idempotent: an incident that has a clock keeps it, and
/// one in a tenant no MSP manages gets none.
/// </summary>
public sealed class DemoEscalationClocks(IServiceScopeFactory scopes, TimeProvider clock, IConfiguration configuration) : IHostedService
{
    public const string Setting = "Database:DemoEscalationClocks";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!configuration.GetValue(Setting, false)) return;
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        await StartAsync(db, clock.GetUtcNow(), cancellationToken);
    }

    /// <summary>Plans the clocks; returns how many incidents got one.</summary>
    public static async Task<int> StartAsync(PortalDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (started, _) = await UnitOfWork.CommitAsync(db, "Demo escalation clocks", async ct =>
        {
            var incidents = await db.Incidents
                .Where(i => i.AcknowledgeDueAt == null && i.Status != IncidentStatus.Resolved && i.Status != IncidentStatus.Closed).ToListAsync(ct);
            if (incidents.Count == 0) return 0;
            var plans = await EscalationPlans.ForTenantsAsync(db, [.. incidents.Select(i => i.TenantId)], now, ct);
            var planned = 0;
            foreach (var incident in incidents)
            {
                if (!plans.TryGetValue(incident.TenantId, out var plan)) continue;
                incident.PlanEscalations(plan);
                planned++;
            }
            await db.SaveChangesAsync(ct);
            return planned;
        }, cancellationToken);
        return started;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
