using Mediator;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.CustomerStatus;

/// <summary>The tenants whose status the user may see (their own, or those their MSP manages), by name; refused when there are none.</summary>
[Requires(Permission.ReadIncidents)]
public sealed record ListStatusTenants : IQuery<IReadOnlyList<TenantGrant>>;

public sealed class ListStatusTenantsHandler(CurrentUser currentUser) : IQueryHandler<ListStatusTenants, IReadOnlyList<TenantGrant>>
{
    public ValueTask<IReadOnlyList<TenantGrant>> Handle(ListStatusTenants query, CancellationToken cancellationToken)
    {
        var me = currentUser.Required;
        IReadOnlyList<TenantGrant> reachable = [.. me.Tenants.Values.Where(t => me.Has(Permission.ReadIncidents, t.TenantId)).OrderBy(t => t.Name)];
        return reachable.Count > 0
            ? ValueTask.FromResult(reachable)
            : throw new NotPermittedException("You are not a member of any customer tenant, and your organisation manages none.");
    }
}
