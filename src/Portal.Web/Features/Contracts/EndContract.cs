using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Contracts;

/// <summary>Either side's admin (or the platform operator) ends an active contract: the MSP no longer manages the tenant. The row stays as history.</summary>
[Requires(Permission.ManageContracts)]
public sealed record EndContract(Guid ContractId) : ICommand<ContractView>, IContractRequest, IRetriedOnConflict;

public sealed class EndContractHandler(PortalDbContext db, CurrentUser currentUser, AuditLog auditLog, TimeProvider clock) : ICommandHandler<EndContract, ContractView>
{
    public async ValueTask<ContractView> Handle(EndContract command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var contract = await ContractParties.LoadAsync(db, command.ContractId, cancellationToken);
        var (msp, customer) = await ContractParties.PartiesAsync(db, contract, cancellationToken);
        var party = ContractParties.For(user, contract, ContractSide.Msp);
        contract.End(party, clock.GetUtcNow());
        auditLog.Record([msp.Id, customer.Id], "contract_ended", $"{(party.Side switch { ContractSide.Customer => customer.Name, ContractSide.Msp => msp.Name, _ => "The platform operator" })} ended the contract: {msp.Name} no longer manages {customer.Name}.");
        await db.SaveChangesAsync(cancellationToken);
        return ContractParties.View(contract, msp, customer, user);
    }
}
