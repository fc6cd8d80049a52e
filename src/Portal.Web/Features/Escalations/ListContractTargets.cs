using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Escalations;

public sealed record ContractTargetsRow(Guid TenantId, string TenantName, IReadOnlyList<SeverityTarget> Tightened, IReadOnlyList<SeverityTarget> Effective);

/// <summary>
/// The targets each tenant the MSP manages now is held to: the policy's, tightened where its contract promises less time
/// (<see cref="TightenContractTargets"/>). Its engineers and leads read them; the lead changes them on the Escalations page.
/// </summary>
[Requires(Permission.ReadEscalations)]
public sealed record ListContractTargets(Guid MspId) : IQuery<IReadOnlyList<ContractTargetsRow>>, IMspRequest;

public sealed class ListContractTargetsHandler(PortalDbContext db, TimeProvider clock) : IQueryHandler<ListContractTargets, IReadOnlyList<ContractTargetsRow>>
{
    public async ValueTask<IReadOnlyList<ContractTargetsRow>> Handle(ListContractTargets query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var contracts = await db.Contracts.AsNoTracking()
            .Where(c => c.MspId == query.MspId && c.StartedAt <= now && (c.EndedAt == null || c.EndedAt > now)).ToListAsync(cancellationToken);
        var tenantIds = contracts.Select(c => c.CustomerId).ToList();
        var names = await db.Organisations.AsNoTracking().Where(o => tenantIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, cancellationToken);
        var policy = await EscalationPlans.PolicyOfAsync(db, query.MspId, tracked: false, cancellationToken);
        return [.. contracts.Select(c => new ContractTargetsRow(c.CustomerId, names.GetValueOrDefault(c.CustomerId, ""), c.TightenedTargets, EscalationPlan.For(policy, c).Targets))
            .OrderBy(r => r.TenantName, StringComparer.Ordinal)];
    }
}
