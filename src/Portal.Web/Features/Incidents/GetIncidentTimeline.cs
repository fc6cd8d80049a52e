using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Incidents;

/// <summary>The incident's history, oldest first. A customer's query filter leaves out internal notes.</summary>
[Requires(Permission.ReadIncidents)]
public sealed record GetIncidentTimeline(Guid IncidentId) : IQuery<IReadOnlyList<TimelineEntryView>>, IIncidentRequest;

public sealed class GetIncidentTimelineHandler(PortalDbContext db, CurrentUser currentUser) : IQueryHandler<GetIncidentTimeline, IReadOnlyList<TimelineEntryView>>
{
    public async ValueTask<IReadOnlyList<TimelineEntryView>> Handle(GetIncidentTimeline query, CancellationToken cancellationToken)
    {
        var entries = await db.TimelineEntries.AsNoTracking()
            .Where(e => e.IncidentId == query.IncidentId)
            .OrderBy(e => e.Sequence)
            .ToListAsync(cancellationToken);
        if (entries.Count == 0) return [];
        var access = currentUser.Required.AccessTo(entries[0].TenantId);
        return [.. entries.Select(e => TimelineEntryView.For(e, access))];
    }
}
