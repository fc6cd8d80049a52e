using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Incidents;

/// <summary>Who an incident can be given to: the engineers and leads of the MSPs that manage its tenant now.</summary>
[Requires(Permission.WorkIncidents)]
public sealed record ListAssignableEngineers(Guid IncidentId) : IQuery<IReadOnlyList<PersonRef>>, IIncidentRequest;

public sealed class ListAssignableEngineersHandler(PortalDbContext db, TimeProvider clock) : IQueryHandler<ListAssignableEngineers, IReadOnlyList<PersonRef>>
{
    public async ValueTask<IReadOnlyList<PersonRef>> Handle(ListAssignableEngineers query, CancellationToken cancellationToken)
    {
        // Through the filtered context: the access behaviour has already answered 404 for an incident the user cannot see.
        var tenantId = await db.Incidents.Where(i => i.Id == query.IncidentId).Select(i => i.TenantId).SingleAsync(cancellationToken);
        var people = await AssignableEngineers.For(db, tenantId, clock.GetUtcNow()).ToListAsync(cancellationToken);
        // Someone who is both engineer and lead, or works for two managing MSPs, is listed once.
        return [.. people.DistinctBy(p => p.Id)];
    }
}
