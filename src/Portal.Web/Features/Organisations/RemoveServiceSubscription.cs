using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Features.Advisories;
using Portal.Pipeline;

namespace Portal.Features.Organisations;

/// <summary>
/// The tenant no longer uses the service (in that region). In the same transaction every open advisory of the service is
/// retargeted: one that no longer concerns the tenant disappears from its side (unless its MSP added the tenant explicitly).
/// </summary>
[Requires(Permission.ManageSubscriptions)]
public sealed record RemoveServiceSubscription(Guid TenantId, Guid SubscriptionId) : ICommand, ITenantRequest;

public sealed class RemoveServiceSubscriptionHandler(PortalDbContext db, IMediator mediator, AuditLog auditLog) : ICommandHandler<RemoveServiceSubscription>
{
    public async ValueTask<Unit> Handle(RemoveServiceSubscription command, CancellationToken cancellationToken)
    {
        // Subscriptions carry no query filter: the tenant is part of the lookup, so another tenant's subscription is "not there".
        var subscription = await db.Subscriptions.SingleOrDefaultAsync(s => s.Id == command.SubscriptionId && s.CustomerId == command.TenantId, cancellationToken)
                           ?? throw new NotFoundException("subscription", command.SubscriptionId);
        db.Subscriptions.Remove(subscription);
        var service = await db.Services.AsNoTracking().Where(s => s.Id == subscription.ServiceId).Select(s => s.Name).SingleAsync(cancellationToken);
        auditLog.Record(command.TenantId, "subscription_removed",
            $"No longer uses {service}{(subscription.Region is { } region ? $" in {region}" : " (every region)")}.");
        await db.SaveChangesAsync(cancellationToken);
        await mediator.Send(new RetargetAdvisoriesOfServices(command.TenantId, [subscription.ServiceId]), cancellationToken); // joins this transaction
        return Unit.Value;
    }
}
