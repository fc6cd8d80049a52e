using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Contracts;

/// <summary>The customer's admin declines an MSP's proposal; it stays in the history as declined, and the MSP may propose again.</summary>
[Requires(Permission.ManageContracts)]
public sealed record DeclineContract(Guid ContractId) : ICommand<ContractView>, IContractRequest, IRetriedOnConflict;

public sealed class DeclineContractHandler(PortalDbContext db, CurrentUser currentUser, AuditLog auditLog, TimeProvider clock) : ICommandHandler<DeclineContract, ContractView>
{
    public async ValueTask<ContractView> Handle(DeclineContract command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var contract = await ContractParties.LoadAsync(db, command.ContractId, cancellationToken);
        var (msp, customer) = await ContractParties.PartiesAsync(db, contract, cancellationToken);
        var party = ContractParties.For(user, contract, ContractSide.Customer);
        contract.Decline(party, clock.GetUtcNow());
        auditLog.Record([msp.Id, customer.Id], "contract_declined", $"{customer.Name} declined {msp.Name}'s proposal.");
        await db.SaveChangesAsync(cancellationToken);
        return ContractParties.View(contract, msp, customer, user);
    }
}
