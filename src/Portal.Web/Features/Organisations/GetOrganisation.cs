using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Organisations;

/// <summary>One organisation as the platform operator administers it: the <c>Location</c> a creation answers with.</summary>
[Requires(Permission.ViewOrganisations)]
public sealed record GetOrganisation(Guid OrganisationId) : IQuery<OrganisationAdminView>, IOrganisationRequest;

public sealed class GetOrganisationHandler(PortalDbContext db) : IQueryHandler<GetOrganisation, OrganisationAdminView>
{
    public async ValueTask<OrganisationAdminView> Handle(GetOrganisation query, CancellationToken cancellationToken) =>
        OrganisationAdminView.From(await db.Organisations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == query.OrganisationId, cancellationToken)
                                   ?? throw new NotFoundException("organisation", query.OrganisationId));
}
