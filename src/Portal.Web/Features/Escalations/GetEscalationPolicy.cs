using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Escalations;

/// <summary>The MSP's escalation policy, or the default it has until its lead saves one (its engineers and leads).</summary>
[Requires(Permission.ReadEscalations)]
public sealed record GetEscalationPolicy(Guid MspId) : IQuery<EscalationPolicyView>, IMspRequest;

public sealed class GetEscalationPolicyHandler(PortalDbContext db) : IQueryHandler<GetEscalationPolicy, EscalationPolicyView>
{
    public async ValueTask<EscalationPolicyView> Handle(GetEscalationPolicy query, CancellationToken cancellationToken)
    {
        var policy = await EscalationPlans.PolicyOfAsync(db, query.MspId, tracked: false, cancellationToken);
        var people = await MspPeople.LoadAsync(db, query.MspId, cancellationToken);
        return EscalationPolicyView.From(policy, people.Names);
    }
}
