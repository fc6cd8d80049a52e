using FluentValidation;
using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;
using Severity = Portal.Domain.Severity;

namespace Portal.Features.Incidents;

/// <summary>An MSP engineer changes an open incident's severity (customer-visible); its escalation due times follow in the same save.</summary>
[Requires(Permission.WorkIncidents)]
public sealed record ChangeIncidentSeverity(Guid IncidentId, Severity? Severity, long? ExpectedVersion = null) : ICommand<IncidentView>, IIncidentRequest, IRetriedOnConflict;

public sealed class ChangeIncidentSeverityValidator : AbstractValidator<ChangeIncidentSeverity>
{
    public ChangeIncidentSeverityValidator() =>
        RuleFor(c => c.Severity).NotNull().WithMessage("A severity is required: Sev1, Sev2, Sev3 or Sev4.").IsInEnum().WithMessage("Severity must be Sev1, Sev2, Sev3 or Sev4.");
}

public sealed class ChangeIncidentSeverityHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<ChangeIncidentSeverity, IncidentView>
{
    public async ValueTask<IncidentView> Handle(ChangeIncidentSeverity command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var incident = await db.LoadForChangeAsync(command.IncidentId, command.ExpectedVersion, cancellationToken);
        incident.ChangeSeverity(command.Severity!.Value, user.ActorIn(incident.TenantId), clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return IncidentView.From(incident, user.Tenants[incident.TenantId].Name, user.AccessTo(incident.TenantId));
    }
}
