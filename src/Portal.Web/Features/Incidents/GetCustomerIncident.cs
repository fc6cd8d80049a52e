using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Features.Remediation;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Incidents;

/// <summary>
/// One incident as its customers see it, for the incident page of a customer: its facts, its newest customer-visible timeline
/// entries and its progress, from <see cref="CustomerIncidentCache"/>. The access check runs for every request, as for
/// <see cref="GetIncident"/> (a foreign or missing incident is 404); only the view behind it is shared.
/// </summary>
/// <param name="AtLeastSequence">From a live page: the last customer event number it saw on the incident's stream.</param>
[Requires(Permission.ReadIncidents)]
public sealed record GetCustomerIncident(Guid IncidentId, long? AtLeastSequence = null) : IQuery<CustomerIncidentSnapshot>, IIncidentRequest;

/// <summary>
/// The customer view of an incident. <see cref="Newest"/> holds up to <see cref="Entries"/> of its newest customer-visible
/// entries other than the remediation summaries, oldest first (one more than a page shows, so the page knows whether older ones
/// exist): an RMM tool's bulk calls add one each, and a few hundred of them pushed the MSP's own updates off the page, while
/// <see cref="Progress"/> already says how many devices are back (the status page leaves them out for the same reason).
/// <see cref="DeviceUpdates"/> counts the summaries left out (the whole timeline shows them); <see cref="CustomerSequence"/>
/// is the incident's customer stream number the view includes.
/// </summary>
public sealed record CustomerIncidentSnapshot(IncidentView Incident, IReadOnlyList<TimelineEntryView> Newest, ProgressView Progress, long CustomerSequence, int DeviceUpdates)
{
    public const int Entries = DetailModel.TimelineShown + 1;
}

public sealed class GetCustomerIncidentHandler(PortalDbContext db, CurrentUser currentUser, CustomerIncidentCache cache)
    : IQueryHandler<GetCustomerIncident, CustomerIncidentSnapshot>
{
    public async ValueTask<CustomerIncidentSnapshot> Handle(GetCustomerIncident query, CancellationToken cancellationToken)
    {
        // Built for everyone of the tenant, whoever's request starts it: customer-visible rows only, and not cancelled when the
        // request that began the build goes away while others wait for it.
        return await cache.GetAsync(query.IncidentId, query.AtLeastSequence, () => LatestCustomerSequenceAsync(query.IncidentId, cancellationToken),
            () => BuildAsync(query.IncidentId, CancellationToken.None));
    }

    private async Task<long> LatestCustomerSequenceAsync(Guid incidentId, CancellationToken ct) =>
        await db.TimelineEntries.Where(e => e.IncidentId == incidentId && e.Visibility == NoteVisibility.Customer).MaxAsync(e => e.CustomerSequence, ct) ?? 0;

    private async Task<CustomerIncidentSnapshot> BuildAsync(Guid incidentId, CancellationToken ct)
    {
        var incident = await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Id == incidentId, ct)
                       ?? throw new NotFoundException("incident", incidentId);
        var customerEntries = db.TimelineEntries.AsNoTracking().Where(e => e.IncidentId == incidentId && e.Visibility == NoteVisibility.Customer);
        var newest = await customerEntries.Where(e => e.Kind != TimelineEntryKind.Remediation)
            .OrderByDescending(e => e.Sequence).Take(CustomerIncidentSnapshot.Entries).ToListAsync(ct);
        var deviceUpdates = await customerEntries.CountAsync(e => e.Kind == TimelineEntryKind.Remediation, ct);
        var progress = await db.RemediationProgress.AsNoTracking().SingleOrDefaultAsync(p => p.IncidentId == incidentId, ct);
        var view = IncidentView.From(incident, currentUser.Required.Tenants[incident.TenantId].Name, TenantAccess.Customer);
        // The incident's own count, read first: the newest entry shown may be older than a summary left out.
        return new CustomerIncidentSnapshot(view, [.. newest.AsEnumerable().Reverse().Select(TimelineEntryView.ForCustomer)], ProgressView.From(progress),
            incident.CustomerTimelineLength, deviceUpdates);
    }
}
