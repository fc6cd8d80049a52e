using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Data;
using Portal.Pipeline;

namespace Portal.Features.People;

/// <summary>Withdraws a pending invitation: it can no longer bind. Accepted, revoked or expired ones answer 409.</summary>
[Requires(Permission.ManagePeople)]
public sealed record RevokeInvitation(Guid OrganisationId, Guid InvitationId) : ICommand, IOrganisationRequest;

public sealed class RevokeInvitationHandler(PortalDbContext db, AuditLog audit, TimeProvider clock) : ICommandHandler<RevokeInvitation>
{
    public async ValueTask<Unit> Handle(RevokeInvitation command, CancellationToken cancellationToken)
    {
        var organisation = await OrganisationRowLock.LockAsync(db, command.OrganisationId, cancellationToken);
        var invitation = await db.Invitations.SingleOrDefaultAsync(i => i.Id == command.InvitationId && i.OrganisationId == organisation.Id, cancellationToken)
                         ?? throw new NotFoundException("invitation", command.InvitationId);
        invitation.Revoke(clock.GetUtcNow());
        audit.Record(organisation.Id, "invitation_revoked", $"Revoked the invitation of {invitation.Email} as {invitation.Role}");
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
