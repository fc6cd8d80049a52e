using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Organisations;

/// <summary>One service the tenant declared it uses, as the list shows it: the <c>Location</c> a declaration answers with.</summary>
[Requires(Permission.ManageSubscriptions)]
public sealed record GetServiceSubscription(Guid TenantId, Guid SubscriptionId) : IQuery<ServiceSubscriptionView>, ITenantRequest;

public sealed class GetServiceSubscriptionHandler(PortalDbContext db) : IQueryHandler<GetServiceSubscription, ServiceSubscriptionView>
{
    public async ValueTask<ServiceSubscriptionView> Handle(GetServiceSubscription query, CancellationToken cancellationToken) =>
        await (from s in db.Subscriptions.AsNoTracking()
               where s.Id == query.SubscriptionId && s.CustomerId == query.TenantId
               join service in db.Services.AsNoTracking() on s.ServiceId equals service.Id
               join provider in db.Organisations.AsNoTracking() on service.ProviderId equals provider.Id
               select new ServiceSubscriptionView(s.Id, s.CustomerId, service.Id, service.Name, provider.Name, s.Region))
            .SingleOrDefaultAsync(cancellationToken)
        ?? throw new NotFoundException("subscription", query.SubscriptionId);
}
