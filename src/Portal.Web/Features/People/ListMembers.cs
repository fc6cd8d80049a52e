using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.People;

public sealed record MemberView(Guid MembershipId, Guid UserId, string DisplayName, string Email, Role Role);

/// <summary>The people of one organisation and their roles, for those who manage them.</summary>
[Requires(Permission.ManagePeople)]
public sealed record ListMembers(Guid OrganisationId) : IQuery<IReadOnlyList<MemberView>>, IOrganisationRequest;

public sealed class ListMembersValidator : AbstractValidator<ListMembers>
{
    public ListMembersValidator() => RuleFor(q => q.OrganisationId).NotEmpty();
}

public sealed class ListMembersHandler(PortalDbContext db) : IQueryHandler<ListMembers, IReadOnlyList<MemberView>>
{
    public async ValueTask<IReadOnlyList<MemberView>> Handle(ListMembers query, CancellationToken cancellationToken)
    {
        if (!await db.Organisations.AnyAsync(o => o.Id == query.OrganisationId, cancellationToken))
            throw new NotFoundException("organisation", query.OrganisationId);
        var rows = await (from m in db.Memberships.AsNoTracking()
                          where m.OrganisationId == query.OrganisationId
                          join u in db.Users.AsNoTracking() on m.UserId equals u.Id
                          select new MemberView(m.Id, u.Id, u.DisplayName, u.Email, m.Role))
            .ToListAsync(cancellationToken);
        return [.. rows.OrderBy(r => r.DisplayName).ThenBy(r => r.Role)];
    }
}
