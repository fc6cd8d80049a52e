using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Data;
using Portal.Pipeline;

namespace Portal.Features.Organisations;

// The platform operator's changes to one organisation: each locks the organisation's row (OrganisationRowLock), changes it through
// the entity, audits it in the organisation's log and saves once. Deactivating keeps every record; its people lose access.

[Requires(Permission.ManageOrganisations)]
public sealed record RenameOrganisation(Guid OrganisationId, string? Name) : ICommand<OrganisationAdminView>, IOrganisationRequest;

public sealed class RenameOrganisationValidator : AbstractValidator<RenameOrganisation>
{
    public RenameOrganisationValidator() =>
        RuleFor(c => c.Name).Must(n => !string.IsNullOrWhiteSpace(n) && n.Trim().Length <= Organisation.NameMaxLength)
            .WithMessage($"A name of 1 to {Organisation.NameMaxLength} characters is required.").OverridePropertyName("name");
}

public sealed class RenameOrganisationHandler(PortalDbContext db, AuditLog audit) : ICommandHandler<RenameOrganisation, OrganisationAdminView>
{
    public async ValueTask<OrganisationAdminView> Handle(RenameOrganisation command, CancellationToken cancellationToken)
    {
        var organisation = await OrganisationRowLock.LockAsync(db, command.OrganisationId, cancellationToken);
        var before = organisation.Name;
        organisation.Rename(command.Name!);
        audit.Record(organisation.Id, "organisation_renamed", $"Renamed {before} to {organisation.Name}");
        await db.SaveChangesAsync(cancellationToken);
        return OrganisationAdminView.From(organisation);
    }
}

/// <summary>Binds or re-binds the Entra tenant its people sign in from; tokens of the previous tenant no longer count for it.</summary>
[Requires(Permission.ManageOrganisations)]
public sealed record BindEntraTenant(Guid OrganisationId, Guid? EntraTenantId) : ICommand<OrganisationAdminView>, IOrganisationRequest;

public sealed class BindEntraTenantValidator : AbstractValidator<BindEntraTenant>
{
    public BindEntraTenantValidator() =>
        RuleFor(c => c.EntraTenantId).Must(t => t is { } id && id != Guid.Empty)
            .WithMessage("The Entra tenant id (a GUID, not all zeros) is required.").OverridePropertyName("entraTenantId");
}

public sealed class BindEntraTenantHandler(PortalDbContext db, AuditLog audit) : ICommandHandler<BindEntraTenant, OrganisationAdminView>
{
    public async ValueTask<OrganisationAdminView> Handle(BindEntraTenant command, CancellationToken cancellationToken)
    {
        var organisation = await OrganisationRowLock.LockAsync(db, command.OrganisationId, cancellationToken);
        var before = organisation.EntraTenantId;
        organisation.BindEntraTenant(command.EntraTenantId!.Value);
        audit.Record(organisation.Id, "entra_tenant_bound", before is { } b
            ? $"Re-bound {organisation.Name} from Entra tenant {b} to {organisation.EntraTenantId}"
            : $"Bound {organisation.Name} to Entra tenant {organisation.EntraTenantId}");
        await db.SaveChangesAsync(cancellationToken);
        return OrganisationAdminView.From(organisation);
    }
}

/// <summary>A customer's incident prefix: unique (409 <c>prefix_taken</c>), and fixed once it has incidents (409 <c>prefix_fixed</c>).</summary>
[Requires(Permission.ManageOrganisations)]
public sealed record ChangeIncidentPrefix(Guid OrganisationId, string? IncidentPrefix) : ICommand<OrganisationAdminView>, IOrganisationRequest;

public sealed class ChangeIncidentPrefixValidator : AbstractValidator<ChangeIncidentPrefix>
{
    public ChangeIncidentPrefixValidator() =>
        RuleFor(c => c.IncidentPrefix).Must(Organisation.IsValidPrefix)
            .WithMessage("An incident prefix is 1 to 8 capital letters, such as NWA.").OverridePropertyName("incidentPrefix");
}

public sealed class ChangeIncidentPrefixHandler(PortalDbContext db, AuditLog audit) : ICommandHandler<ChangeIncidentPrefix, OrganisationAdminView>
{
    public async ValueTask<OrganisationAdminView> Handle(ChangeIncidentPrefix command, CancellationToken cancellationToken)
    {
        // The lock also orders this after a concurrent incident creation, which increments the same row's counter.
        var organisation = await OrganisationRowLock.LockAsync(db, command.OrganisationId, cancellationToken);
        var prefix = command.IncidentPrefix!;
        if (prefix != organisation.IncidentPrefix && await db.Organisations.AnyAsync(o => o.IncidentPrefix == prefix && o.Id != organisation.Id, cancellationToken))
            throw new DomainRuleException("prefix_taken", $"Another tenant already numbers its incidents {prefix}-…; choose another prefix.");
        var before = organisation.IncidentPrefix;
        organisation.ChangeIncidentPrefix(prefix);
        if (before != organisation.IncidentPrefix) audit.Record(organisation.Id, "prefix_changed", $"Changed the incident prefix of {organisation.Name} from {before} to {prefix}");
        await db.SaveChangesAsync(cancellationToken);
        return OrganisationAdminView.From(organisation);
    }
}

/// <summary>Its people lose all access (API, pages, hub); nobody reaches its tenant through it; every record is kept.</summary>
[Requires(Permission.ManageOrganisations)]
public sealed record DeactivateOrganisation(Guid OrganisationId) : ICommand<OrganisationAdminView>, IOrganisationRequest;

public sealed class DeactivateOrganisationHandler(PortalDbContext db, AuditLog audit, TimeProvider clock) : ICommandHandler<DeactivateOrganisation, OrganisationAdminView>
{
    public async ValueTask<OrganisationAdminView> Handle(DeactivateOrganisation command, CancellationToken cancellationToken)
    {
        var organisation = await OrganisationRowLock.LockAsync(db, command.OrganisationId, cancellationToken);
        organisation.Deactivate(clock.GetUtcNow());
        audit.Record(organisation.Id, "organisation_deactivated", $"Deactivated {organisation.Name}: its people have no access; its records are kept");
        await db.SaveChangesAsync(cancellationToken);
        return OrganisationAdminView.From(organisation);
    }
}

[Requires(Permission.ManageOrganisations)]
public sealed record ReactivateOrganisation(Guid OrganisationId) : ICommand<OrganisationAdminView>, IOrganisationRequest;

public sealed class ReactivateOrganisationHandler(PortalDbContext db, AuditLog audit) : ICommandHandler<ReactivateOrganisation, OrganisationAdminView>
{
    public async ValueTask<OrganisationAdminView> Handle(ReactivateOrganisation command, CancellationToken cancellationToken)
    {
        var organisation = await OrganisationRowLock.LockAsync(db, command.OrganisationId, cancellationToken);
        organisation.Reactivate();
        audit.Record(organisation.Id, "organisation_reactivated", $"Reactivated {organisation.Name}");
        await db.SaveChangesAsync(cancellationToken);
        return OrganisationAdminView.From(organisation);
    }
}
