using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.People;

/// <summary>
/// Takes one membership away. The person loses what it granted the moment this commits — cached access, cached status pages
/// and open sockets, on every instance (the commit path's revocation). The last holder of the organisation's admin role
/// stays (409 <c>last_admin</c>): an organisation is never left without someone who can manage its people.
/// </summary>
[Requires(Permission.ManagePeople)]
public sealed record RemoveMember(Guid OrganisationId, Guid MembershipId) : ICommand, IOrganisationRequest;

public sealed class RemoveMemberValidator : AbstractValidator<RemoveMember>
{
    public RemoveMemberValidator()
    {
        RuleFor(c => c.OrganisationId).NotEmpty();
        RuleFor(c => c.MembershipId).NotEmpty();
    }
}

public sealed class RemoveMemberHandler(PortalDbContext db, AuditLog auditLog) : ICommandHandler<RemoveMember>
{
    public async ValueTask<Unit> Handle(RemoveMember command, CancellationToken cancellationToken)
    {
        // A platform admin may name any organisation: a missing one is "not there", like a foreign membership.
        var organisation = await db.Organisations.SingleOrDefaultAsync(o => o.Id == command.OrganisationId, cancellationToken)
                           ?? throw new NotFoundException("organisation", command.OrganisationId);
        // Memberships carry no query filter: the organisation is part of the lookup, so another organisation's is "not there".
        var membership = await db.Memberships.SingleOrDefaultAsync(m => m.Id == command.MembershipId && m.OrganisationId == organisation.Id, cancellationToken)
                         ?? throw new NotFoundException("membership", command.MembershipId);

        var adminRole = RoleRules.AdminRoleOf(organisation.Kind);
        if (membership.Role == adminRole
            && !await db.Memberships.AnyAsync(m => m.OrganisationId == organisation.Id && m.Role == adminRole && m.Id != membership.Id, cancellationToken))
            throw new DomainRuleException("last_admin", $"This is the last {adminRole} of {organisation.Name}; give someone else that role first.");

        var person = await db.Users.AsNoTracking().Where(u => u.Id == membership.UserId).Select(u => new { u.DisplayName, u.Email }).SingleAsync(cancellationToken);
        db.Memberships.Remove(membership);
        auditLog.Record(organisation.Id, "member_removed", $"{person.DisplayName} ({person.Email}) no longer holds {membership.Role} in {organisation.Name}.");
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
