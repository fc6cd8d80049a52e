using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Advisories;

/// <summary>
/// The advisories of the providers the user works for, newest first, for the provider's own pages. Unlike ListAdvisories (which
/// MSP people and customers may send too), it needs a provider role: a customer or MSP asking is refused, not shown an empty list.
/// </summary>
[Requires(Permission.ReadAdvisoryImpact)]
public sealed record ListProviderAdvisories(int Limit = 200) : IQuery<IReadOnlyList<AdvisorySummary>>;

public sealed class ListProviderAdvisoriesHandler(PortalDbContext db, CurrentUser currentUser) : IQueryHandler<ListProviderAdvisories, IReadOnlyList<AdvisorySummary>>
{
    public async ValueTask<IReadOnlyList<AdvisorySummary>> Handle(ListProviderAdvisories query, CancellationToken cancellationToken)
    {
        if (query.Limit is < 1 or > 500) throw new InvalidValueException("invalid_limit", "limit must be between 1 and 500.");
        var providers = currentUser.Required.Memberships
            .Where(m => m.Kind == OrganisationKind.Provider && RoleRules.Grants(m.Role, Permission.ReadAdvisoryImpact))
            .Select(m => m.OrganisationId).Distinct().ToList();
        var rows = await db.Advisories.AsNoTracking().Where(a => providers.Contains(a.ProviderId))
            .OrderByDescending(a => a.PublishedAt).ThenByDescending(a => a.Id).Take(query.Limit)
            .Select(a => new AdvisorySummary(a.Id, a.ProviderId, db.Organisations.Where(o => o.Id == a.ProviderId).Select(o => o.Name).First(),
                a.Title, a.Severity, a.Status, a.PublishedAt, a.UpdatedAt, a.UpdateCount))
            .ToListAsync(cancellationToken);
        return rows;
    }
}
