using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Organisations;

/// <summary>
/// The platform operator adds a provider, an MSP or a customer tenant, bound to the Entra tenant its people sign in from (or
/// bound later). A customer needs an incident prefix no other tenant has (409 <c>prefix_taken</c>). Nobody belongs to it yet:
/// invite its first admin on its people page.
/// </summary>
[Requires(Permission.ManageOrganisations)]
public sealed record CreateOrganisation(string? Name, OrganisationKind? Kind, Guid? EntraTenantId, string? IncidentPrefix) : ICommand<OrganisationAdminView>;

public sealed class CreateOrganisationValidator : AbstractValidator<CreateOrganisation>
{
    public CreateOrganisationValidator()
    {
        RuleFor(c => c.Name).Must(n => !string.IsNullOrWhiteSpace(n) && n.Trim().Length <= Organisation.NameMaxLength)
            .WithMessage($"A name of 1 to {Organisation.NameMaxLength} characters is required.").OverridePropertyName("name");
        RuleFor(c => c.Kind).NotNull().WithMessage("Choose the kind: Provider, Msp or Customer.")
            .Must(k => k is null or OrganisationKind.Provider or OrganisationKind.Msp or OrganisationKind.Customer)
            .WithMessage("An organisation is a Provider, an Msp or a Customer (there is one platform organisation).").OverridePropertyName("kind");
        RuleFor(c => c.EntraTenantId).Must(t => t != Guid.Empty).WithMessage("The Entra tenant id cannot be all zeros.").OverridePropertyName("entraTenantId");
        RuleFor(c => c.IncidentPrefix).Must(Organisation.IsValidPrefix).When(c => c.Kind == OrganisationKind.Customer)
            .WithMessage("A customer needs an incident prefix of 1 to 8 capital letters, such as NWA.").OverridePropertyName("incidentPrefix");
        RuleFor(c => c.IncidentPrefix).Null().When(c => c.Kind is not null and not OrganisationKind.Customer)
            .WithMessage("Only customer tenants number incidents: leave the incident prefix out.").OverridePropertyName("incidentPrefix");
    }
}

public sealed class CreateOrganisationHandler(PortalDbContext db, AuditLog audit, TimeProvider clock) : ICommandHandler<CreateOrganisation, OrganisationAdminView>
{
    public async ValueTask<OrganisationAdminView> Handle(CreateOrganisation command, CancellationToken cancellationToken)
    {
        if (command.IncidentPrefix is { } prefix && await db.Organisations.AnyAsync(o => o.IncidentPrefix == prefix, cancellationToken))
            throw new DomainRuleException("prefix_taken", $"Another tenant already numbers its incidents {prefix}-…; choose another prefix.");
        var organisation = new Organisation(Guid.CreateVersion7(clock.GetUtcNow()), command.Name!, command.Kind!.Value, command.EntraTenantId, command.IncidentPrefix);
        db.Organisations.Add(organisation);
        audit.Record(organisation.Id, "organisation_created",
            $"Created {organisation.Kind} {organisation.Name}{(organisation.EntraTenantId is { } t ? $", Entra tenant {t}" : ", no Entra tenant yet")}{(organisation.IncidentPrefix is { } p ? $", prefix {p}" : "")}");
        await db.SaveChangesAsync(cancellationToken);
        return OrganisationAdminView.From(organisation);
    }
}
