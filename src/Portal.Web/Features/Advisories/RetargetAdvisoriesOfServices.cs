using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Advisories;

/// <summary>
/// A tenant's subscriptions to these services changed (Organisations' AddServiceSubscription / RemoveServiceSubscription send it
/// from inside their own command, so it runs in their transaction): every open advisory of the services is retargeted, so the
/// tenant gains or loses the advisories that concern it in the same commit. Checked like its sender, in the tenant.
/// </summary>
[Requires(Permission.ManageSubscriptions)]
public sealed record RetargetAdvisoriesOfServices(Guid TenantId, IReadOnlyCollection<Guid> ServiceIds) : ICommand, ITenantRequest;

public sealed class RetargetAdvisoriesOfServicesHandler(PortalDbContext db, TimeProvider clock) : ICommandHandler<RetargetAdvisoriesOfServices>
{
    public async ValueTask<Unit> Handle(RetargetAdvisoriesOfServices command, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("Retargeting follows a subscription change and runs in that change's transaction.");
        await AdvisoryTargeting.RetargetOpenAdvisoriesAsync(db, command.ServiceIds, clock.GetUtcNow(), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
