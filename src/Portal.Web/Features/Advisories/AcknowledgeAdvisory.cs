using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Advisories;

/// <summary>
/// The MSP has seen the advisory for one of its targeted tenants (who, when). Acknowledging again changes nothing: the first
/// who and when stay. A tenant the advisory does not target is 404, like one the user cannot reach.
/// </summary>
[Requires(Permission.WorkAdvisories)]
public sealed record AcknowledgeAdvisory(Guid AdvisoryId, Guid TenantId) : ICommand<AdvisoryInboxItem>, IAdvisoryRequest, ITenantRequest;

public sealed class AcknowledgeAdvisoryHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<AcknowledgeAdvisory, AdvisoryInboxItem>
{
    public async ValueTask<AdvisoryInboxItem> Handle(AcknowledgeAdvisory command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var advisory = db.Advisories.Local.Single(a => a.Id == command.AdvisoryId); // loaded by AccessBehavior, with the user's targets
        if (advisory.TargetOf(command.TenantId).Acknowledge(user.ActorIn(command.TenantId), clock.GetUtcNow()))
            await db.SaveChangesAsync(cancellationToken);
        return await AdvisoryInbox.OneAsync(db, user, command.AdvisoryId, command.TenantId, cancellationToken);
    }
}
