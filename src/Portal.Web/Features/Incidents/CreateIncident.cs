using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Text;
using Portal.Pipeline;
using Severity = Portal.Domain.Severity;

namespace Portal.Features.Incidents;

/// <summary>An MSP engineer opens an incident in one of the customer tenants it manages; it gets the tenant's next number (NWA-42).</summary>
[Requires(Permission.WorkIncidents)]
public sealed record CreateIncident(Guid TenantId, string? Title, Severity? Severity, string? CustomerSummary) : ICommand<IncidentView>, ITenantRequest, IIdempotentCommand;

public sealed class CreateIncidentValidator : AbstractValidator<CreateIncident>
{
    public CreateIncidentValidator()
    {
        RuleFor(c => c.Title).NotEmpty().WithMessage("A title is required.")
            .MaximumLength(Incident.TitleMaxLength).WithMessage($"The title may be at most {Incident.TitleMaxLength} characters.")
            .IsPlainText("title", multiline: false);
        RuleFor(c => c.Severity).NotNull().WithMessage("A severity is required: Sev1, Sev2, Sev3 or Sev4.")
            .IsInEnum().WithMessage("Severity must be Sev1, Sev2, Sev3 or Sev4.");
        RuleFor(c => c.CustomerSummary).MaximumLength(Incident.SummaryMaxLength)
            .WithMessage($"The customer summary may be at most {Incident.SummaryMaxLength} characters.")
            .IsPlainText("customer summary");
    }
}

public sealed class CreateIncidentHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<CreateIncident, IncidentView>
{
    public async ValueTask<IncidentView> Handle(CreateIncident command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var tenant = user.Tenants[command.TenantId];

        // Atomic in every provider: the UPDATE locks the tenant's row until the surrounding transaction commits.
        var tenantRow = db.Organisations.Where(o => o.Id == command.TenantId && o.Kind == OrganisationKind.Customer);
        await tenantRow.ExecuteUpdateAsync(s => s.SetProperty(o => o.LastIncidentNumber, o => o.LastIncidentNumber + 1), cancellationToken);
        var number = await tenantRow.Select(o => o.LastIncidentNumber).SingleAsync(cancellationToken);

        var incident = Incident.Open(command.TenantId, number, tenant.IncidentPrefix, command.Title!, command.Severity!.Value,
            command.CustomerSummary, user.ActorIn(command.TenantId), clock.GetUtcNow());
        db.Incidents.Add(incident);
        await db.SaveChangesAsync(cancellationToken);
        return IncidentView.From(incident, tenant.Name, currentUser.Required.AccessTo(incident.TenantId));
    }
}
