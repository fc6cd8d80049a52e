using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Organisations;

public sealed record ProviderServiceView(Guid Id, string ProviderName, string Name, ServiceKind Kind, int SubscribedTenants, IReadOnlyList<string> Regions);

/// <summary>A provider's own services with aggregate subscriber counts: how many tenants, never which.</summary>
[Requires(Permission.ViewProviderServices)]
public sealed record GetProviderServices : IQuery<IReadOnlyList<ProviderServiceView>>;

public sealed class GetProviderServicesHandler(PortalDbContext db, CurrentUser currentUser) : IQueryHandler<GetProviderServices, IReadOnlyList<ProviderServiceView>>
{
    public async ValueTask<IReadOnlyList<ProviderServiceView>> Handle(GetProviderServices query, CancellationToken cancellationToken)
    {
        var providers = currentUser.Required.Memberships
            .Where(m => m.Kind == OrganisationKind.Provider && RoleRules.Grants(m.Role, Permission.ViewProviderServices))
            .ToDictionary(m => m.OrganisationId, m => m.OrganisationName);
        var providerIds = providers.Keys.ToList();
        var services = await db.Services.AsNoTracking().Where(s => providerIds.Contains(s.ProviderId)).OrderBy(s => s.Name).ToListAsync(cancellationToken);
        var serviceIds = services.Select(s => s.Id).ToList();
        var subscriptions = await db.Subscriptions.AsNoTracking().Where(s => serviceIds.Contains(s.ServiceId))
            .Select(s => new { s.ServiceId, s.CustomerId, s.Region }).ToListAsync(cancellationToken);
        return [.. services.Select(s => new ProviderServiceView(s.Id, providers[s.ProviderId], s.Name, s.Kind,
            subscriptions.Where(x => x.ServiceId == s.Id).Select(x => x.CustomerId).Distinct().Count(),
            [.. subscriptions.Where(x => x.ServiceId == s.Id && x.Region != null).Select(x => x.Region!).Distinct().Order()]))];
    }
}
