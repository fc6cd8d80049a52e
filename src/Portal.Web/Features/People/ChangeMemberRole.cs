using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Data;
using Portal.Pipeline;

namespace Portal.Features.People;

/// <summary>
/// Gives a member another role of the organisation. Demoting the last admin — yourself included — is 409 <c>last_admin</c>,
/// decided under the organisation's row lock so two admins demoting each other at once cannot both succeed.
/// </summary>
[Requires(Permission.ManagePeople)]
public sealed record ChangeMemberRole(Guid OrganisationId, Guid MembershipId, Role? Role) : ICommand<MemberView>, IOrganisationRequest;

public sealed class ChangeMemberRoleValidator : AbstractValidator<ChangeMemberRole>
{
    public ChangeMemberRoleValidator()
    {
        RuleFor(c => c.Role).NotNull().WithMessage("Choose the new role (role).").IsInEnum().OverridePropertyName("role");
    }
}

public sealed class ChangeMemberRoleHandler(PortalDbContext db, AuditLog audit) : ICommandHandler<ChangeMemberRole, MemberView>
{
    public async ValueTask<MemberView> Handle(ChangeMemberRole command, CancellationToken cancellationToken)
    {
        var organisation = await OrganisationRowLock.LockAsync(db, command.OrganisationId, cancellationToken);
        var membership = await db.Memberships.SingleOrDefaultAsync(m => m.Id == command.MembershipId && m.OrganisationId == organisation.Id, cancellationToken)
                         ?? throw new NotFoundException("member", command.MembershipId);
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == membership.UserId, cancellationToken);
        var others = await db.Memberships.AsNoTracking().Where(m => m.UserId == membership.UserId && m.Id != membership.Id).ToListAsync(cancellationToken);
        var role = command.Role!.Value;
        var before = membership.Role;

        if (role != RoleRules.AdminRoleOf(organisation.Kind)) await AdminRule.EnsureAnotherAdminRemainsAsync(db, organisation, membership, cancellationToken);
        membership.ChangeRole(organisation, role, others);
        audit.Record(organisation.Id, "role_changed", $"Changed {user.DisplayName} ({user.Email}) from {before} to {role}");
        await db.SaveChangesAsync(cancellationToken);
        return new MemberView(membership.Id, user.Id, user.DisplayName, user.Email, membership.Role);
    }
}
