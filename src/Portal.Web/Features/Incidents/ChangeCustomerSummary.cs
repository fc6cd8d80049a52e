using FluentValidation;
using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Text;
using Portal.Pipeline;

namespace Portal.Features.Incidents;

/// <summary>
/// An MSP engineer rewrites the customer summary (what the tenant's status page says of the incident) as the picture changes;
/// empty removes it. Customer-visible on the timeline, live on every open page, and a customer update for email subscribers.
/// </summary>
[Requires(Permission.WorkIncidents)]
public sealed record ChangeCustomerSummary(Guid IncidentId, string? CustomerSummary, long? ExpectedVersion = null) : ICommand<IncidentView>, IIncidentRequest, IRetriedOnConflict;

public sealed class ChangeCustomerSummaryValidator : AbstractValidator<ChangeCustomerSummary>
{
    public ChangeCustomerSummaryValidator() =>
        RuleFor(c => c.CustomerSummary).MaximumLength(Incident.SummaryMaxLength)
            .WithMessage($"The customer summary may be at most {Incident.SummaryMaxLength} characters.")
            .IsPlainText("customer summary");
}

public sealed class ChangeCustomerSummaryHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<ChangeCustomerSummary, IncidentView>
{
    public async ValueTask<IncidentView> Handle(ChangeCustomerSummary command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var incident = await db.LoadForChangeAsync(command.IncidentId, command.ExpectedVersion, cancellationToken);
        incident.ChangeCustomerSummary(command.CustomerSummary, user.ActorIn(incident.TenantId), clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return IncidentView.From(incident, user.Tenants[incident.TenantId].Name, user.AccessTo(incident.TenantId));
    }
}
