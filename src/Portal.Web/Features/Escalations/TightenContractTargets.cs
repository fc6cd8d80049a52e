using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Escalations;

public sealed record ContractTargetsView(Guid TenantId, Guid MspId, IReadOnlyList<SeverityTarget> Tightened, IReadOnlyList<SeverityTarget> Effective);

/// <summary>
/// The lead of the MSP managing a tenant sets the targets its contract promises that tenant: per severity, shorter than the policy
/// only (a looser one is 409 <c>looser_than_policy</c>); an empty list returns the tenant to the policy. New incidents use them.
/// </summary>
[Requires(Permission.ManageEscalations)]
public sealed record TightenContractTargets(Guid TenantId, IReadOnlyList<SeverityTarget>? Targets) : ICommand<ContractTargetsView>, ITenantRequest;

public sealed class TightenContractTargetsValidator : AbstractValidator<TightenContractTargets>
{
    public TightenContractTargetsValidator()
    {
        RuleFor(c => c.Targets).NotNull().WithMessage("targets is required (an empty list removes the contract's tighter targets).");
        RuleForEach(c => c.Targets).Cascade(CascadeMode.Stop).NotNull().WithMessage("A target cannot be null: one object per severity.")
            .ChildRules(t => t.RuleFor(x => x.Severity).IsInEnum().WithMessage("Severity must be Sev1, Sev2, Sev3 or Sev4."));
    }
}

public sealed class TightenContractTargetsHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<TightenContractTargets, ContractTargetsView>
{
    public async ValueTask<ContractTargetsView> Handle(TightenContractTargets command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var leadOf = currentUser.Required.Memberships.Where(m => m.Kind == OrganisationKind.Msp && m.Role == Role.MspLead).Select(m => m.OrganisationId).ToList();
        var contract = await db.Contracts.Where(c => c.CustomerId == command.TenantId && leadOf.Contains(c.MspId) && c.StartedAt <= now && (c.EndedAt == null || c.EndedAt > now))
                           .OrderBy(c => c.StartedAt).FirstOrDefaultAsync(cancellationToken)
                       ?? throw new NotFoundException("tenant", command.TenantId);
        var policy = await EscalationPlans.PolicyOfAsync(db, contract.MspId, tracked: false, cancellationToken);
        contract.TightenTargets(command.Targets!, policy);
        await db.SaveChangesAsync(cancellationToken);
        return new ContractTargetsView(command.TenantId, contract.MspId, contract.TightenedTargets, EscalationPlan.For(policy, contract).Targets);
    }
}
