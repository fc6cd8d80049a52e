using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline.Commit;

namespace Portal.Features.Escalations;

/// <summary>
/// Fires whatever escalation of one incident is due, each level in its own unit of work through the commit path: re-read the
/// incident in a scope that reaches its tenant only, do nothing unless a level is due now (acknowledged, resolved, a severity
/// change that moved the due time: nothing), resolve whom the level targets (named users, the on-call engineer at this moment,
/// roles and channels as named), record the <see cref="Escalation"/> (unique per incident, kind and level) and the internal
/// timeline entry, commit, then publish (the timeline entry to the MSP's streams, the next level's timer, and Live's
/// <c>EscalationRaised</c> to the MSP and the tenant's full group: Live/AnnounceEscalations). A runner that loses a race (the delayed job and the sweep at
/// once) fails on the unique index or the incident's version, rolls back, and reads again.
/// </summary>
public sealed partial class IncidentEscalator(IServiceScopeFactory scopes, TimeProvider clock, CommitPublisher publisher, ILogger<IncidentEscalator> logger)
{
    private const int MaxRounds = 2 * EscalationPolicy.MaxLevels + 2;

    /// <summary>
    /// Fires the due levels; returns how many this call recorded, when the next one is due, and whether this call moved that time
    /// without firing (a policy's levels changed): then no commit of an entry set a timer for it.
    /// </summary>
    public async Task<(int Raised, DateTimeOffset? NextAt, bool Replanned)> EscalateAsync(Guid incidentId, Guid tenantId, CancellationToken ct)
    {
        var raised = 0;
        var replanned = false;
        DateTimeOffset? nextAt = null;
        for (var round = 0; round < MaxRounds; round++)
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantScope>().Grant([tenantId], []); // this incident's tenant, nothing else
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var now = clock.GetUtcNow();
            Escalation? recorded;
            CommittedChanges committed;
            try
            {
                (recorded, committed) = await UnitOfWork.CommitAsync(db, "Escalation", async work =>
                {
                    var incident = await db.Incidents.FirstOrDefaultAsync(i => i.Id == incidentId, work);
                    nextAt = incident?.NextEscalationAt;
                    if (incident?.NextEscalationAt is not { } storedNext || storedNext > now) return null;
                    var plans = await EscalationPlans.ForTenantsAsync(db, [tenantId], now, work);
                    if (!plans.TryGetValue(tenantId, out var plan) || incident.NextEscalation(plan) is not { } next || next.At > now)
                    {
                        // The policy's levels changed since the clock was planned: follow them (no MSP, or a later level time), fire
                        // nothing. The due times stay those the incident was opened or re-graded under.
                        if (plans.TryGetValue(tenantId, out var current)) incident.PlanNextEscalation(current);
                        else incident.StopEscalations();
                        replanned = incident.NextEscalationAt != nextAt;
                        nextAt = incident.NextEscalationAt;
                        await db.SaveChangesAsync(work);
                        return null;
                    }
                    var (userIds, onCall, text) = await DescribeAsync(db, plan, incident, next.Level, next.DueAt, now, work);
                    var escalation = new Escalation(incident, plan.MspId, next.Level, next.At, userIds, onCall, now);
                    db.Escalations.Add(escalation);
                    incident.RecordEscalation(plan, next.Level, text, now);
                    nextAt = incident.NextEscalationAt;
                    await db.SaveChangesAsync(work);
                    return escalation;
                }, ct);
            }
            catch (DbUpdateException e)
            {
                // Another runner recorded this level first (unique index) or changed the incident (version): read again.
                LogLostRace(logger, incidentId, e.GetType().Name);
                continue;
            }
            // The internal entry goes to the MSP's streams, the next level's timer is set, and Live announces EscalationRaised.
            await publisher.PublishAsync(committed);
            if (recorded is null) return (raised, nextAt, replanned);
            raised++;
        }
        return (raised, nextAt, replanned);
    }

    /// <summary>Whom the level targets at <paramref name="now"/>, and the timeline's words for it.</summary>
    private static async Task<(List<Guid> UserIds, Guid? OnCall, string Text)> DescribeAsync(PortalDbContext db, EscalationPlan plan, Incident incident,
        EscalationLevel level, DateTimeOffset dueAt, DateTimeOffset now, CancellationToken ct)
    {
        Guid? onCall = null;
        if (level.OnCall)
        {
            var rotation = await db.OnCallRotations.AsNoTracking().Include(r => r.Overrides).FirstOrDefaultAsync(r => r.MspId == plan.MspId, ct);
            onCall = rotation?.OnCallAt(now);
        }
        var userIds = level.UserIds.Concat(onCall is { } o ? [o] : []).Distinct().ToList();
        var names = userIds.Count == 0 ? [] : await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName, ct);
        var targets = new List<string>();
        targets.AddRange(level.UserIds.Select(id => names.GetValueOrDefault(id, id.ToString())));
        if (level.OnCall) targets.Add(onCall is { } id2 ? $"{names.GetValueOrDefault(id2, id2.ToString())} (on call)" : "on call: nobody (no rotation)");
        targets.AddRange(level.Roles.Select(r => $"every {Display.Role(r)}"));
        targets.AddRange(level.Channels.Select(c => $"channel {c}"));
        var what = level.Kind == EscalationKind.Acknowledge ? "acknowledged" : "resolved";
        // The target the incident is held to, from its own due time: a policy changed since applies to new incidents only.
        var minutes = (long)Math.Round((dueAt - incident.CreatedAt).TotalMinutes);
        var text = $"Escalation level {level.Level}: {incident.Severity} not {what} within {minutes} min (due {dueAt:yyyy-MM-dd HH:mm} UTC). " +
                   $"Notifying {string.Join(", ", targets)}.";
        return (userIds, onCall, text);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Escalation of incident {IncidentId} lost a race ({Reason}); reading again")]
    private static partial void LogLostRace(ILogger logger, Guid incidentId, string reason);
}
