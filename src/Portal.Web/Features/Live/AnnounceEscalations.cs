using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline.Commit;

namespace Portal.Features.Live;

/// <summary>
/// After a commit that recorded an escalation (an internal <see cref="TimelineEntryKind.Escalation"/> entry; the entry itself already
/// went to the MSP's full streams through <see cref="BroadcastCommittedChanges"/>): <c>EscalationRaised</c> to the MSP's group and
/// the tenant's full group, never a customer group. The escalation row names the MSP (one small read per escalation).
/// </summary>
public sealed class AnnounceEscalations(LivePublisher publisher, IServiceScopeFactory scopes) : ICommitReaction
{
    public CommitStage Stage => CommitStage.TellClients;

    public async ValueTask OnCommittedAsync(CommittedChanges changes, CancellationToken cancellationToken)
    {
        foreach (var change in changes.Tenants)
        {
            foreach (var committed in change.Entries.Where(e => e.Entry.Kind == TimelineEntryKind.Escalation))
            {
                await using var scope = scopes.CreateAsyncScope();
                scope.ServiceProvider.GetRequiredService<TenantScope>().Grant([change.TenantId], []);
                var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
                var escalation = await db.Escalations.AsNoTracking().Where(e => e.IncidentId == committed.Entry.IncidentId)
                    .OrderByDescending(e => e.RaisedAt).ThenByDescending(e => e.Level).FirstOrDefaultAsync(cancellationToken);
                if (escalation is null) continue;
                await publisher.EscalationRaisedAsync(escalation.MspId, escalation.TenantId, escalation.IncidentId, escalation.Id,
                    Title(committed.Incident.Reference, escalation.Severity, escalation.Kind, escalation.Level), cancellationToken);
            }
        }
    }

    /// <summary>What the alert line says of an escalation, live or to a page opened later (<see cref="ListPendingAlerts"/>).</summary>
    public static string Title(string incidentReference, Severity severity, EscalationKind kind, int level) =>
        $"{incidentReference}: {severity} not {(kind == EscalationKind.Acknowledge ? "acknowledged" : "resolved")} in time (level {level})";
}
