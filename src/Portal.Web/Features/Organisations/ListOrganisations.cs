using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Organisations;

public sealed record OrganisationView(Guid Id, string Name, OrganisationKind Kind, string? IncidentPrefix, int Members, int ActiveContracts,
    Guid? EntraTenantId = null, bool IsActive = true);

/// <summary>The platform operator's list of organisations (names and counts only, no tenant records).</summary>
[Requires(Permission.ViewOrganisations)]
public sealed record ListOrganisations : IQuery<IReadOnlyList<OrganisationView>>;

public sealed class ListOrganisationsHandler(PortalDbContext db, TimeProvider clock) : IQueryHandler<ListOrganisations, IReadOnlyList<OrganisationView>>
{
    public async ValueTask<IReadOnlyList<OrganisationView>> Handle(ListOrganisations query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var contracts = await db.Contracts.AsNoTracking().ToListAsync(cancellationToken);
        var active = contracts.Where(c => c.IsActiveAt(now)).ToList();
        var organisations = await db.Organisations.AsNoTracking()
            .OrderBy(o => o.Kind).ThenBy(o => o.Name)
            .Select(o => new { o.Id, o.Name, o.Kind, o.IncidentPrefix, o.EntraTenantId, o.DeactivatedAt, Members = db.Memberships.Count(m => m.OrganisationId == o.Id) })
            .ToListAsync(cancellationToken);
        return [.. organisations.Select(o => new OrganisationView(o.Id, o.Name, o.Kind, o.IncidentPrefix, o.Members,
            active.Count(c => c.MspId == o.Id || c.CustomerId == o.Id), o.EntraTenantId, o.DeactivatedAt is null))];
    }
}
