using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Live;

/// <summary>
/// An alert line as live.js shows it, in the shape of the live notice that would have said it: <see cref="Kind"/> is the
/// notice's name (EscalationRaised, AdvisoryPublished, AdvisoryUpdated), <see cref="SubjectId"/> the escalation or the advisory.
/// </summary>
public sealed record PendingAlert(string Kind, Guid SubjectId, Guid? IncidentId, string Title, DateTimeOffset At);

/// <summary>
/// The alert lines an MSP engineer may have missed: no page was open, another was loading, or the connection was down when
/// the notice went out. An escalation whose incident still waits for what it escalated (an acknowledgement while New, a
/// resolution while open), the latest level of each incident; and a provider's advisory still unacknowledged in one of the
/// engineer's tenants. From the last <see cref="Window"/>, the newest first, <see cref="MaxLines"/> at most (the lines a page
/// shows). Every live page of an MSP member carries them; the browser shows those it has not dismissed.
/// </summary>
[AnySignedInUser]
public sealed record ListPendingAlerts : IQuery<IReadOnlyList<PendingAlert>>;

public sealed class ListPendingAlertsHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock)
    : IQueryHandler<ListPendingAlerts, IReadOnlyList<PendingAlert>>
{
    /// <summary>How far back a missed line is still said: an engineer back after a night away hears of the night, not of last week.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    /// <summary>As many as live.js keeps on a page.</summary>
    public const int MaxLines = 5;

    public async ValueTask<IReadOnlyList<PendingAlert>> Handle(ListPendingAlerts query, CancellationToken cancellationToken)
    {
        // The tenants the user's MSP manages: a customer's own tenant or a provider's view never gets alert lines.
        var user = currentUser.Required;
        var tenants = user.FullAccessTenants;
        if (tenants.Count == 0) return [];
        List<Guid> msps = [.. user.Memberships.Where(m => m.Kind == OrganisationKind.Msp).Select(m => m.OrganisationId).Distinct()];
        var since = clock.GetUtcNow() - Window;

        // By MSP and time first (the index on MspId, RaisedAt), then the tenants the user reaches now (as the query filter too).
        var escalations = await (
                from e in db.Escalations.AsNoTracking()
                join i in db.Incidents on e.IncidentId equals i.Id
                where msps.Contains(e.MspId) && e.RaisedAt >= since && tenants.Contains(e.TenantId)
                      && (e.Kind == EscalationKind.Acknowledge
                          ? i.Status == IncidentStatus.New
                          : i.Status != IncidentStatus.Resolved && i.Status != IncidentStatus.Closed)
                orderby e.RaisedAt descending, e.Level descending, e.Id descending
                select new { e.Id, e.IncidentId, i.Reference, e.Severity, e.Kind, e.Level, e.RaisedAt })
            .Take(MaxLines * 4)
            .ToListAsync(cancellationToken);

        var advisories = await (
                from a in db.Advisories.AsNoTracking()
                where a.UpdatedAt >= since
                      && db.AdvisoryTargets.Any(t => t.AdvisoryId == a.Id && tenants.Contains(t.TenantId) && t.AcknowledgedAt == null)
                orderby a.UpdatedAt descending, a.Id descending
                select new { a.Id, a.Title, a.PublishedAt, a.UpdatedAt })
            .Take(MaxLines)
            .ToListAsync(cancellationToken);

        return
        [
            .. escalations
                .DistinctBy(e => e.IncidentId) // the latest level of each incident
                .Select(e => new PendingAlert("EscalationRaised", e.Id, e.IncidentId, AnnounceEscalations.Title(e.Reference, e.Severity, e.Kind, e.Level), e.RaisedAt))
                .Concat(advisories.Select(a => new PendingAlert(a.UpdatedAt == a.PublishedAt ? "AdvisoryPublished" : "AdvisoryUpdated", a.Id, null, a.Title, a.UpdatedAt)))
                .OrderByDescending(a => a.At)
                .Take(MaxLines),
        ];
    }
}
