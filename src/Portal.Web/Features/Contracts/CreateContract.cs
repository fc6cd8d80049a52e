using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Contracts;

/// <summary>
/// The platform operator makes an MSP manage a customer tenant at once, without a proposal (onboarding both together). The same rules as
/// a proposal: an MSP and a customer, both active, no open contract between them already.
/// </summary>
[Requires(Permission.CreateContracts)]
public sealed record CreateContract(Guid? MspId, Guid? CustomerId) : ICommand<ContractView>, IRetriedOnConflict;

public sealed class CreateContractValidator : AbstractValidator<CreateContract>
{
    public CreateContractValidator()
    {
        RuleFor(c => c.MspId).NotEmpty().WithMessage("Name the MSP (mspId).");
        RuleFor(c => c.CustomerId).NotEmpty().WithMessage("Name the customer tenant (customerId).");
    }
}

public sealed class CreateContractHandler(PortalDbContext db, CurrentUser currentUser, AuditLog auditLog, TimeProvider clock)
    : ICommandHandler<CreateContract, ContractView>
{
    public async ValueTask<ContractView> Handle(CreateContract command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var msp = await db.Organisations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == command.MspId && o.Kind == OrganisationKind.Msp, cancellationToken)
                  ?? throw new NotFoundException("MSP", command.MspId!.Value);
        var customer = await db.Organisations.AsNoTracking()
                           .FirstOrDefaultAsync(o => o.Id == command.CustomerId && o.Kind == OrganisationKind.Customer, cancellationToken)
                       ?? throw new NotFoundException("tenant", command.CustomerId!.Value);

        var contract = MspContract.Create(Guid.CreateVersion7(), msp, customer, new ContractParty(user.UserId, user.DisplayName, ContractSide.Platform),
            clock.GetUtcNow());
        await ContractParties.EnsureNoOpenContractAsync(db, msp, customer, cancellationToken);
        db.Contracts.Add(contract);
        auditLog.Record([msp.Id, customer.Id], "contract_created", $"The platform operator made {msp.Name} manage {customer.Name}.");
        await db.SaveChangesAsync(cancellationToken);
        return ContractParties.View(contract, msp, customer, user);
    }
}
