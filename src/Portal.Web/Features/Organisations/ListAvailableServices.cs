using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Organisations;

/// <summary>A service one may subscribe a tenant to: its provider, and the regions tenants already name for it (any other may be typed).</summary>
public sealed record AvailableServiceView(Guid Id, string Name, ServiceKind Kind, Guid ProviderId, string ProviderName, IReadOnlyList<string> Regions);

/// <summary>
/// Every provider's services, for those who declare what a tenant uses (a customer's admin, its MSP): names and regions only, never which
/// tenants use them. Services of deactivated providers are left out.
/// </summary>
[Requires(Permission.ManageSubscriptions)]
public sealed record ListAvailableServices : IQuery<IReadOnlyList<AvailableServiceView>>;

public sealed class ListAvailableServicesHandler(PortalDbContext db) : IQueryHandler<ListAvailableServices, IReadOnlyList<AvailableServiceView>>
{
    public async ValueTask<IReadOnlyList<AvailableServiceView>> Handle(ListAvailableServices query, CancellationToken cancellationToken)
    {
        var services = await (from service in db.Services.AsNoTracking()
                              join provider in db.Organisations.AsNoTracking() on service.ProviderId equals provider.Id
                              where provider.DeactivatedAt == null
                              select new { service.Id, service.Name, service.Kind, service.ProviderId, ProviderName = provider.Name })
            .ToListAsync(cancellationToken);
        // Distinct region names across all subscriptions: what other tenants use is a list of regions, not of tenants.
        var regions = await db.Subscriptions.AsNoTracking().Where(s => s.Region != null).Select(s => new { s.ServiceId, s.Region }).Distinct()
            .ToListAsync(cancellationToken);
        return [.. services.OrderBy(s => s.ProviderName).ThenBy(s => s.Name).Select(s => new AvailableServiceView(s.Id, s.Name, s.Kind, s.ProviderId, s.ProviderName,
            [.. regions.Where(r => r.ServiceId == s.Id).Select(r => r.Region!).Order()]))];
    }
}
