using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Organisations;

/// <summary>The services (and regions) a customer tenant has declared it uses, for those who manage them.</summary>
[Requires(Permission.ManageSubscriptions)]
public sealed record ListServiceSubscriptions(Guid TenantId) : IQuery<IReadOnlyList<ServiceSubscriptionView>>, ITenantRequest;

public sealed class ListServiceSubscriptionsHandler(PortalDbContext db) : IQueryHandler<ListServiceSubscriptions, IReadOnlyList<ServiceSubscriptionView>>
{
    public async ValueTask<IReadOnlyList<ServiceSubscriptionView>> Handle(ListServiceSubscriptions query, CancellationToken cancellationToken)
    {
        var rows = await (from s in db.Subscriptions.AsNoTracking()
                          where s.CustomerId == query.TenantId
                          join service in db.Services.AsNoTracking() on s.ServiceId equals service.Id
                          join provider in db.Organisations.AsNoTracking() on service.ProviderId equals provider.Id
                          select new ServiceSubscriptionView(s.Id, s.CustomerId, service.Id, service.Name, provider.Name, s.Region))
            .ToListAsync(cancellationToken);
        return [.. rows.OrderBy(r => r.ProviderName).ThenBy(r => r.ServiceName).ThenBy(r => r.Region)];
    }
}
