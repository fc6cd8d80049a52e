using FluentValidation;
using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Text;
using Portal.Pipeline;

namespace Portal.Features.Incidents;

/// <summary>Move an incident along its documented transitions (Incident.Transitions), optionally telling the customer why.</summary>
[Requires(Permission.WorkIncidents)]
public sealed record ChangeIncidentStatus(Guid IncidentId, IncidentStatus? Status, string? CustomerMessage, long? ExpectedVersion = null)
    : ICommand<IncidentView>, IIncidentRequest, IRetriedOnConflict;

public sealed class ChangeIncidentStatusValidator : AbstractValidator<ChangeIncidentStatus>
{
    public ChangeIncidentStatusValidator()
    {
        RuleFor(c => c.Status).NotNull().WithMessage("The new status is required.")
            .IsInEnum().WithMessage($"Status must be one of: {string.Join(", ", Enum.GetNames<IncidentStatus>())}.");
        RuleFor(c => c.CustomerMessage).MaximumLength(Incident.SummaryMaxLength)
            .WithMessage($"The customer message may be at most {Incident.SummaryMaxLength} characters.")
            .IsPlainText("customer message");
    }
}

public sealed class ChangeIncidentStatusHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<ChangeIncidentStatus, IncidentView>
{
    public async ValueTask<IncidentView> Handle(ChangeIncidentStatus command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var incident = await db.LoadForChangeAsync(command.IncidentId, command.ExpectedVersion, cancellationToken);
        incident.ChangeStatus(command.Status!.Value, command.CustomerMessage, user.ActorIn(incident.TenantId), clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return IncidentView.From(incident, user.Tenants[incident.TenantId].Name, user.AccessTo(incident.TenantId));
    }
}
