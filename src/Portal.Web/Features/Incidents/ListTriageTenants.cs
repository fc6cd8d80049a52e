using Mediator;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Incidents;

/// <summary>
/// The tenants whose incidents the user works (managed under an MSP contract, with a role that may work incidents):
/// the triage queue's scope. Customers and people without a managed tenant are refused: they have the status page.
/// </summary>
[Requires(Permission.WorkIncidents)]
public sealed record ListTriageTenants : IQuery<IReadOnlyList<TenantGrant>>;

public sealed class ListTriageTenantsHandler(CurrentUser currentUser) : IQueryHandler<ListTriageTenants, IReadOnlyList<TenantGrant>>
{
    public ValueTask<IReadOnlyList<TenantGrant>> Handle(ListTriageTenants query, CancellationToken cancellationToken)
    {
        var me = currentUser.Required;
        IReadOnlyList<TenantGrant> managed =
            [.. me.Tenants.Values.Where(t => t.Access == TenantAccess.Msp && me.Has(Permission.WorkIncidents, t.TenantId)).OrderBy(t => t.Name)];
        return managed.Count > 0
            ? ValueTask.FromResult(managed)
            : throw new NotPermittedException("Your organisation manages no customer tenant yet, so there is nothing to triage.");
    }
}
