using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.People;

/// <summary>The organisation's members with their roles, and its pending invitations (its admins; a platform admin any).</summary>
[Requires(Permission.ManagePeople)]
public sealed record GetPeople(Guid OrganisationId) : IQuery<PeopleView>, IOrganisationRequest;

public sealed class GetPeopleHandler(PortalDbContext db, TimeProvider clock) : IQueryHandler<GetPeople, PeopleView>
{
    public async ValueTask<PeopleView> Handle(GetPeople query, CancellationToken cancellationToken)
    {
        var organisation = await db.Organisations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == query.OrganisationId, cancellationToken)
                           ?? throw new NotFoundException("organisation", query.OrganisationId);
        var now = clock.GetUtcNow();
        var members = await (from m in db.Memberships
                             join u in db.Users on m.UserId equals u.Id
                             where m.OrganisationId == organisation.Id
                             orderby u.DisplayName, m.Role
                             select new MemberView(m.Id, u.Id, u.DisplayName, u.Email, m.Role))
            .ToListAsync(cancellationToken);
        var invitations = await db.Invitations.AsNoTracking()
            .Where(i => i.OrganisationId == organisation.Id && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now)
            .OrderBy(i => i.Email).ToListAsync(cancellationToken);
        return new PeopleView(organisation.Id, organisation.Name, organisation.Kind, organisation.IsActive, RoleRules.AdminRoleOf(organisation.Kind),
            Invitation.RolesFor(organisation.Kind), members, [.. invitations.Select(i => InvitationView.From(i, now))]);
    }
}
