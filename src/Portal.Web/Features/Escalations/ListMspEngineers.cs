using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Escalations;

/// <summary>The MSP's engineers and leads (who may be on call), by name.</summary>
[Requires(Permission.ReadEscalations)]
public sealed record ListMspEngineers(Guid MspId) : IQuery<IReadOnlyList<PersonView>>, IMspRequest;

public sealed class ListMspEngineersHandler(PortalDbContext db) : IQueryHandler<ListMspEngineers, IReadOnlyList<PersonView>>
{
    public async ValueTask<IReadOnlyList<PersonView>> Handle(ListMspEngineers query, CancellationToken cancellationToken)
    {
        var people = await MspPeople.LoadAsync(db, query.MspId, cancellationToken);
        return [.. people.Engineers.Select(id => new PersonView(id, people.Names[id])).OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase)];
    }
}
