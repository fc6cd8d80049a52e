using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Contracts;

/// <summary>One contract, for its MSP's leads, its customer's admins and the platform operator; anyone else: 404.</summary>
[Requires(Permission.ManageContracts)]
public sealed record GetContract(Guid ContractId) : IQuery<ContractView>, IContractRequest;

public sealed class GetContractHandler(PortalDbContext db, CurrentUser currentUser) : IQueryHandler<GetContract, ContractView>
{
    public async ValueTask<ContractView> Handle(GetContract query, CancellationToken cancellationToken)
    {
        var contract = await ContractParties.LoadAsync(db, query.ContractId, cancellationToken);
        return await ContractParties.ViewAsync(db, contract, currentUser.Required, cancellationToken);
    }
}
