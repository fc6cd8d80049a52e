using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Contracts;

/// <summary>The customer's admin accepts an MSP's proposal: from this commit the MSP's people manage the tenant.</summary>
[Requires(Permission.ManageContracts)]
public sealed record AcceptContract(Guid ContractId) : ICommand<ContractView>, IContractRequest, IRetriedOnConflict;

public sealed class AcceptContractHandler(PortalDbContext db, CurrentUser currentUser, AuditLog auditLog, TimeProvider clock) : ICommandHandler<AcceptContract, ContractView>
{
    public async ValueTask<ContractView> Handle(AcceptContract command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var contract = await ContractParties.LoadAsync(db, command.ContractId, cancellationToken);
        var (msp, customer) = await ContractParties.PartiesAsync(db, contract, cancellationToken);
        var party = ContractParties.For(user, contract, ContractSide.Customer);
        contract.Accept(party, clock.GetUtcNow(), msp, customer);
        auditLog.Record([msp.Id, customer.Id], "contract_accepted", $"{customer.Name} accepted {msp.Name}'s proposal: {msp.Name} manages {customer.Name} from now on.");
        await db.SaveChangesAsync(cancellationToken);
        return ContractParties.View(contract, msp, customer, user);
    }
}
