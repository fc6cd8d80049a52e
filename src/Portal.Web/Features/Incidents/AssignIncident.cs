using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Incidents;

/// <summary>Give an incident to an engineer of an MSP that manages its tenant, or take it back (null).</summary>
[Requires(Permission.WorkIncidents)]
public sealed record AssignIncident(Guid IncidentId, Guid? AssigneeId, long? ExpectedVersion = null) : ICommand<IncidentView>, IIncidentRequest, IRetriedOnConflict;

public sealed class AssignIncidentHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<AssignIncident, IncidentView>
{
    public async ValueTask<IncidentView> Handle(AssignIncident command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var incident = await db.LoadForChangeAsync(command.IncidentId, command.ExpectedVersion, cancellationToken);

        string? assigneeName = null;
        if (command.AssigneeId is { } assigneeId)
        {
            // PersonRef is built by its constructor, which EF cannot filter on in SQL: load the (short) list, then pick.
            var assignable = await AssignableEngineers.For(db, incident.TenantId, clock.GetUtcNow()).ToListAsync(cancellationToken);
            assigneeName = assignable.FirstOrDefault(u => u.Id == assigneeId)?.Name;
            if (assigneeName is null)
            {
                throw new ValidationException([new FluentValidation.Results.ValidationFailure(nameof(command.AssigneeId),
                    "The assignee must be an engineer or lead of an MSP that manages this tenant.")]);
            }
        }

        incident.AssignTo(command.AssigneeId, assigneeName, user.ActorIn(incident.TenantId), clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return IncidentView.From(incident, user.Tenants[incident.TenantId].Name, user.AccessTo(incident.TenantId));
    }
}

/// <summary>The people an incident of a tenant can be assigned to: members of the MSPs with an active contract for it.</summary>
public static class AssignableEngineers
{
    public static IQueryable<PersonRef> For(PortalDbContext db, Guid tenantId, DateTimeOffset now) =>
        from contract in db.Contracts
        where contract.CustomerId == tenantId && contract.StartedAt <= now && (contract.EndedAt == null || contract.EndedAt > now)
        join membership in db.Memberships on contract.MspId equals membership.OrganisationId
        where membership.Role == Role.MspEngineer || membership.Role == Role.MspLead
        join user in db.Users on membership.UserId equals user.Id
        orderby user.DisplayName
        select new PersonRef(user.Id, user.DisplayName);
}
