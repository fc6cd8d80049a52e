using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Incidents;

[Requires(Permission.ReadIncidents)]
public sealed record GetIncident(Guid IncidentId) : IQuery<IncidentView>, IIncidentRequest;

public sealed class GetIncidentHandler(PortalDbContext db, CurrentUser currentUser) : IQueryHandler<GetIncident, IncidentView>
{
    public async ValueTask<IncidentView> Handle(GetIncident query, CancellationToken cancellationToken)
    {
        var incident = await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Id == query.IncidentId, cancellationToken)
            ?? throw new NotFoundException("incident", query.IncidentId);
        var user = currentUser.Required;
        return IncidentView.From(incident, user.Tenants[incident.TenantId].Name, user.AccessTo(incident.TenantId));
    }
}
