using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline.Commit;

namespace Portal.Features.Notifications;

/// <summary>
/// Which changes notify, decided once for every command and job from what the unit of work saved (the commit path's record),
/// not in each handler: an incident opened, its status changed (acknowledged included), its severity changed, a customer-visible update posted by the
/// MSP or arriving from the provider's linked advisory; an escalation (MSP audience only: the people and channels its
/// level names, never a customer); and a provider's new advisory, for the MSP endpoints of each tenant it targets (MSP
/// audience: at 3 a.m. the MSP hears of it before anyone opens a page). Other internal entries notify nobody. A handler
/// cannot forget to notify, and a new command that writes such an entry notifies without a line of its own. Runs in the
/// transaction: the outbox rows commit with the change or not at all.
/// </summary>
public sealed class OutboxWriter(TimeProvider clock) : IInTransactionWriter
{
    public async ValueTask WriteAsync(PortalDbContext db, CommittedChanges changes, CancellationToken cancellationToken)
    {
        // Who hears of an advisory through its MSP's endpoints: every target when it is published; later, a tenant that a subscription
        // of its own made a target (an MSP's override is that MSP's own doing).
        List<(CommittedAdvisory Advisory, IReadOnlyList<Guid> TenantIds)> advisories = changes.Advisories.Count == 0 ? [] : [.. changes.Advisories
            .Select(a => (Advisory: a, TenantIds: a.Kind == AdvisoryAnnouncement.Published
                ? [.. a.Tenants.Select(t => t.TenantId).Except(a.DroppedTenantIds)]
                : a.NewTargetTenantIds))
            .Where(a => a.TenantIds.Count > 0)];
        if (changes.Tenants.Count == 0 && advisories.Count == 0) return;
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
        var escalated = changes.Tenants.SelectMany(t => t.Entries).Where(e => e.Entry.Kind == TimelineEntryKind.Escalation).ToList();
        if (escalated.Count > 0) messages.AddRange(await EscalationMessagesAsync(db, escalated, cancellationToken));
        if (advisories.Count > 0) messages.AddRange(await AdvisoryMessagesAsync(db, advisories, cancellationToken));
        if (messages.Count == 0) return;
        if (await Outbox.AddAsync(db, messages, clock.GetUtcNow(), cancellationToken) > 0) await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// An escalation's notice, for the people and channels its level named (recorded on the <see cref="Escalation"/> saved with the
    /// entry, in this transaction): an email to each named user, whoever was on call and every member of the MSP in a named role;
    /// the MSP's endpoints named as channels. Only that MSP's, and never a customer's inbox (MSP audience).
    /// </summary>
    private static async Task<List<NotificationMessage>> EscalationMessagesAsync(PortalDbContext db, List<CommittedEntry> entries, CancellationToken ct)
    {
        var incidentIds = entries.Select(e => e.Incident.Id).Distinct().ToList();
        // Raised in this transaction, at the entry's instant — as stored: the database may keep fewer digits than the clock gave.
        var since = entries.Min(e => e.Entry.At).AddSeconds(-1);
        var escalations = await db.Escalations.AsNoTracking().Where(e => incidentIds.Contains(e.IncidentId) && e.RaisedAt >= since).ToListAsync(ct);
        var mspIds = escalations.Select(e => e.MspId).Distinct().ToList();
        var members = await db.Memberships.AsNoTracking().Where(m => mspIds.Contains(m.OrganisationId))
            .Join(db.Users.AsNoTracking(), m => m.UserId, u => u.Id, (m, u) => new { m.OrganisationId, m.UserId, m.Role, u.Email }).ToListAsync(ct);
        List<NotificationMessage> messages = [];
        foreach (var committed in entries)
        {
            var i = committed.Incident;
            if (escalations.Where(e => e.IncidentId == i.Id && (e.RaisedAt - committed.Entry.At).Duration() < TimeSpan.FromMilliseconds(1))
                    .MaxBy(e => e.RaisedAt) is not { } escalation) continue;
            var people = escalation.UserIds.Concat(escalation.OnCallUserId is { } onCall ? [onCall] : []).ToHashSet();
            var emails = members.Where(m => m.OrganisationId == escalation.MspId && (people.Contains(m.UserId) || escalation.Roles.Contains(m.Role)))
                .Select(m => m.Email).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            messages.Add(new NotificationMessage(escalation.TenantId, NotificationEvent.Escalation, NotificationAudience.Msp,
                new NotificationIncident(i.Id, i.Reference, i.Title, i.Severity, i.Status, i.CustomerSummary), committed.Entry.Text, committed.Entry.ActorName, committed.Entry.At)
            {
                MspId = escalation.MspId,
                EndpointNames = escalation.Channels,
                Emails = emails,
            });
        }
        return messages;
    }

    /// <summary>
    /// A provider's advisory for tenants it now targets: one message per tenant (every notification is one tenant's, so MSP A's
    /// endpoint carries only A's tenants), for the endpoints of the MSPs that manage it; MSP audience, never a customer's inbox:
    /// the MSP decides what its customers hear, through the incidents it opens (whose updates then notify them). Read through
    /// the acting user's filters (the publishing provider sees its advisory and itself; a tenant's admin or MSP, an advisory that
    /// now targets the tenant), and system-wide for background work.
    /// </summary>
    private static async Task<List<NotificationMessage>> AdvisoryMessagesAsync(PortalDbContext db,
        List<(CommittedAdvisory Advisory, IReadOnlyList<Guid> TenantIds)> told, CancellationToken ct)
    {
        var ids = told.Select(a => a.Advisory.Id).ToList();
        var advisories = await db.Advisories.AsNoTracking().Where(a => ids.Contains(a.Id))
            .Join(db.Organisations.AsNoTracking(), a => a.ProviderId, o => o.Id,
                (a, o) => new { a.Id, Provider = o.Name, a.Title, a.Severity, a.Status, a.Impact, a.PublishedByName, a.PublishedAt })
            .ToDictionaryAsync(a => a.Id, ct);
        List<NotificationMessage> messages = [];
        foreach (var (committed, tenantIds) in told)
        {
            if (!advisories.TryGetValue(committed.Id, out var a)) continue;
            var advisory = new NotificationAdvisory(a.Id, a.Provider, a.Title, a.Severity, a.Status, a.Impact);
            foreach (var tenantId in tenantIds)
            {
                messages.Add(new NotificationMessage(tenantId, NotificationEvent.AdvisoryPublished, NotificationAudience.Msp, null, a.Impact, a.PublishedByName, a.PublishedAt)
                {
                    Advisory = advisory,
                });
            }
        }
        return messages;
    }

    /// <summary>What a timeline entry tells subscribers, if anything. Only customer-visible entries qualify.</summary>
    public static NotificationEvent? EventOf(TimelineEntry entry) => entry.Visibility != NoteVisibility.Customer ? null : entry.Kind switch
    {
        TimelineEntryKind.Opened => NotificationEvent.IncidentOpened,
        TimelineEntryKind.Acknowledged or TimelineEntryKind.StatusChanged => NotificationEvent.IncidentStatusChanged,
        TimelineEntryKind.SeverityChanged => NotificationEvent.IncidentSeverityChanged,
        TimelineEntryKind.Note or TimelineEntryKind.Advisory or TimelineEntryKind.SummaryChanged => NotificationEvent.CustomerUpdate,
        _ => null, // assignments, remediation summaries, the customer's own comments
    };
}
