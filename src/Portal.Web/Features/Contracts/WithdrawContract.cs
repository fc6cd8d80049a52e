using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Contracts;

/// <summary>The MSP's lead takes back a proposal the customer has not answered yet.</summary>
[Requires(Permission.ManageContracts)]
public sealed record WithdrawContract(Guid ContractId) : ICommand<ContractView>, IContractRequest, IRetriedOnConflict;

public sealed class WithdrawContractHandler(PortalDbContext db, CurrentUser currentUser, AuditLog auditLog, TimeProvider clock) : ICommandHandler<WithdrawContract, ContractView>
{
    public async ValueTask<ContractView> Handle(WithdrawContract command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var contract = await ContractParties.LoadAsync(db, command.ContractId, cancellationToken);
        var (msp, customer) = await ContractParties.PartiesAsync(db, contract, cancellationToken);
        var party = ContractParties.For(user, contract, ContractSide.Msp);
        contract.Withdraw(party, clock.GetUtcNow());
        auditLog.Record([msp.Id, customer.Id], "contract_withdrawn", $"{msp.Name} withdrew its proposal to manage {customer.Name}.");
        await db.SaveChangesAsync(cancellationToken);
        return ContractParties.View(contract, msp, customer, user);
    }
}
