using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Incidents;

/// <summary>
/// The incident's history, oldest first; with <paramref name="Newest"/>, only that many of its newest entries (the incident page:
/// an RMM tool's bulk updates add an entry each, and a page refreshed on every change must not grow with hours of them).
/// A customer's query filter leaves out internal notes.
/// </summary>
[Requires(Permission.ReadIncidents)]
public sealed record GetIncidentTimeline(Guid IncidentId, int? Newest = null) : IQuery<IReadOnlyList<TimelineEntryView>>, IIncidentRequest;

public sealed class GetIncidentTimelineHandler(PortalDbContext db, CurrentUser currentUser) : IQueryHandler<GetIncidentTimeline, IReadOnlyList<TimelineEntryView>>
{
    public async ValueTask<IReadOnlyList<TimelineEntryView>> Handle(GetIncidentTimeline query, CancellationToken cancellationToken)
    {
        var ofIncident = db.TimelineEntries.AsNoTracking().Where(e => e.IncidentId == query.IncidentId);
        var entries = query.Newest is { } newest
            ? [.. (await ofIncident.OrderByDescending(e => e.Sequence).Take(Math.Max(newest, 0)).ToListAsync(cancellationToken)).AsEnumerable().Reverse()]
            : await ofIncident.OrderBy(e => e.Sequence).ToListAsync(cancellationToken);
        if (entries.Count == 0) return [];
        var access = currentUser.Required.AccessTo(entries[0].TenantId);
        return [.. entries.Select(e => TimelineEntryView.For(e, access))];
    }
}
