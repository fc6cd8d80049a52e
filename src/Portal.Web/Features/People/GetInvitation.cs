using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.People;

/// <summary>
/// One invitation of the organisation, in whatever state it is now (pending, accepted, revoked, expired): the <c>Location</c> an
/// invitation answers with, so whoever sent it can see whether it was taken up. Its admins, as for the people list.
/// </summary>
[Requires(Permission.ManagePeople)]
public sealed record GetInvitation(Guid OrganisationId, Guid InvitationId) : IQuery<InvitationView>, IOrganisationRequest;

public sealed class GetInvitationHandler(PortalDbContext db, TimeProvider clock) : IQueryHandler<GetInvitation, InvitationView>
{
    public async ValueTask<InvitationView> Handle(GetInvitation query, CancellationToken cancellationToken)
    {
        var invitation = await db.Invitations.AsNoTracking()
                             .SingleOrDefaultAsync(i => i.Id == query.InvitationId && i.OrganisationId == query.OrganisationId, cancellationToken)
                         ?? throw new NotFoundException("invitation", query.InvitationId);
        return InvitationView.From(invitation, clock.GetUtcNow());
    }
}
