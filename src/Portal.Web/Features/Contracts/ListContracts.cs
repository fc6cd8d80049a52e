using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Contracts;

/// <summary>
/// The contracts the user administers, history included: an MSP lead its MSP's, a customer admin its tenant's, the platform operator
/// all of them. Optionally only those in some states. Open ones first, then the newest.
/// </summary>
[Requires(Permission.ManageContracts)]
public sealed record ListContracts(IReadOnlyList<ContractState>? States = null) : IQuery<IReadOnlyList<ContractView>>;

public sealed class ListContractsHandler(PortalDbContext db, CurrentUser currentUser) : IQueryHandler<ListContracts, IReadOnlyList<ContractView>>
{
    public async ValueTask<IReadOnlyList<ContractView>> Handle(ListContracts query, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var contracts = db.Contracts.AsNoTracking();
        if (!user.IsPlatformAdmin)
        {
            var administered = user.Memberships.Where(m => RoleRules.Grants(m.Role, Permission.ManageContracts)).Select(m => m.OrganisationId).Distinct().ToList();
            contracts = contracts.Where(c => administered.Contains(c.MspId) || administered.Contains(c.CustomerId));
        }
        if (query.States is { Count: > 0 } states) contracts = contracts.Where(c => states.Contains(c.State));
        var rows = await contracts.ToListAsync(cancellationToken);

        var organisationIds = rows.SelectMany(c => new[] { c.MspId, c.CustomerId }).Distinct().ToList();
        var parties = await ContractParties.PartyNamesAsync(db, organisationIds, cancellationToken);
        return [.. rows.OrderBy(c => c.IsOpen ? 0 : 1).ThenByDescending(c => c.ProposedAt ?? c.StartedAt).ThenByDescending(c => c.Id)
            .Select(c => ContractParties.View(c, parties, user))];
    }
}
