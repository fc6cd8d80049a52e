using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Incidents;

/// <summary>An MSP engineer takes ownership of a new incident: New → Acknowledged, the clock for time-to-acknowledge stops.</summary>
[Requires(Permission.WorkIncidents)]
public sealed record AcknowledgeIncident(Guid IncidentId, long? ExpectedVersion = null) : ICommand<IncidentView>, IIncidentRequest, IRetriedOnConflict;

public sealed class AcknowledgeIncidentHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<AcknowledgeIncident, IncidentView>
{
    public async ValueTask<IncidentView> Handle(AcknowledgeIncident command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var incident = await db.LoadForChangeAsync(command.IncidentId, command.ExpectedVersion, cancellationToken);
        incident.Acknowledge(user.ActorIn(incident.TenantId), clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return IncidentView.From(incident, user.Tenants[incident.TenantId].Name, user.AccessTo(incident.TenantId));
    }
}
