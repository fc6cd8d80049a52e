using Portal.Data;
using Portal.Domain;
using Portal.Pipeline.Commit;

namespace Portal.Features.Notifications;

/// <summary>
/// Which changes notify, decided once for every command and job from what the unit of work saved (the commit path's record),
/// not in each handler: an incident opened, its status changed (acknowledged included), a customer-visible update posted by the
/// MSP or arriving from the provider's linked advisory. Internal entries notify nobody here (an escalation, MSP-only, goes
/// through <see cref="Outbox.AddAsync"/> with <see cref="NotificationAudience.Msp"/>). A handler cannot forget to notify, and
/// a new command that writes such an entry notifies without a line of its own. Runs in the transaction: the outbox rows
/// commit with the change or not at all.
/// </summary>
public sealed class OutboxWriter(TimeProvider clock) : IInTransactionWriter
{
    public async ValueTask WriteAsync(PortalDbContext db, CommittedChanges changes, CancellationToken cancellationToken)
    {
        if (changes.Tenants.Count == 0) return;
        List<NotificationMessage> messages = [];
        foreach (var tenant in changes.Tenants)
        {
            foreach (var committed in tenant.Entries)
            {
                if (EventOf(committed.Entry) is not { } what) continue;
                var i = committed.Incident;
                messages.Add(new NotificationMessage(tenant.TenantId, what, NotificationAudience.Customer,
                    new NotificationIncident(i.Id, i.Reference, i.Title, i.Severity, i.Status, i.CustomerSummary),
                    committed.Entry.Text, committed.Entry.ActorName, committed.Entry.At));
            }
        }
        if (messages.Count == 0) return;
        if (await Outbox.AddAsync(db, messages, clock.GetUtcNow(), cancellationToken) > 0) await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>What a timeline entry tells subscribers, if anything. Only customer-visible entries qualify.</summary>
    public static NotificationEvent? EventOf(TimelineEntry entry) => entry.Visibility != NoteVisibility.Customer ? null : entry.Kind switch
    {
        TimelineEntryKind.Opened => NotificationEvent.IncidentOpened,
        TimelineEntryKind.Acknowledged or TimelineEntryKind.StatusChanged => NotificationEvent.IncidentStatusChanged,
        TimelineEntryKind.Note or TimelineEntryKind.Advisory => NotificationEvent.CustomerUpdate,
        _ => null, // assignments, remediation summaries, the customer's own comments
    };
}
