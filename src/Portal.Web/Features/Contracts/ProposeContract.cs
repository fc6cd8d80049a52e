using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Contracts;

/// <summary>
/// An MSP's lead proposes, in the name of its MSP, to manage a customer tenant, named by the tenant id its admin shares. Nothing is
/// granted until the customer's admin accepts. One open contract per MSP and customer; a deactivated customer cannot be proposed to.
/// Retried on a conflict: two proposals racing each other meet the unique index, and the re-run answers contract_exists.
/// </summary>
[Requires(Permission.ManageContracts)]
public sealed record ProposeContract(Guid MspId, Guid? CustomerId, string? Message) : ICommand<ContractView>, IMspRequest, IRetriedOnConflict;

public sealed class ProposeContractValidator : AbstractValidator<ProposeContract>
{
    public ProposeContractValidator()
    {
        RuleFor(c => c.CustomerId).NotEmpty().WithMessage("Name the customer tenant (customerId): the tenant id its admin reads on their Contracts page.");
        RuleFor(c => c.Message).MaximumLength(MspContract.MessageMaxLength);
    }
}

public sealed class ProposeContractHandler(PortalDbContext db, CurrentUser currentUser, AuditLog auditLog, TimeProvider clock)
    : ICommandHandler<ProposeContract, ContractView>
{
    public async ValueTask<ContractView> Handle(ProposeContract command, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var msp = await db.Organisations.AsNoTracking().SingleAsync(o => o.Id == command.MspId, cancellationToken);
        // Any other kind of organisation, or none, is "no such tenant": an MSP lead learns nothing about ids that are not tenants.
        var customer = await db.Organisations.AsNoTracking()
                           .FirstOrDefaultAsync(o => o.Id == command.CustomerId && o.Kind == OrganisationKind.Customer, cancellationToken)
                       ?? throw new NotFoundException("tenant", command.CustomerId!.Value);

        var contract = MspContract.Propose(Guid.CreateVersion7(), msp, customer, new ContractParty(user.UserId, user.DisplayName, ContractSide.Msp),
            command.Message, clock.GetUtcNow());
        await ContractParties.EnsureNoOpenContractAsync(db, msp, customer, cancellationToken);
        db.Contracts.Add(contract);
        auditLog.Record([msp.Id, customer.Id], "contract_proposed",
            $"{msp.Name} proposed to manage {customer.Name}{(contract.Message is { } m ? $": \"{m}\"" : ".")}");
        await db.SaveChangesAsync(cancellationToken);
        return ContractParties.View(contract, msp, customer, user);
    }
}
