using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Contracts;

public static class ContractParties
{
    /// <summary>
    /// The sides the user may act for on this contract: the MSP or the customer where they hold <see cref="Permission.ManageContracts"/>,
    /// the platform for a platform administrator. Access (member of either side, else 404) was checked before.
    /// </summary>
    public static IReadOnlyList<ContractSide> SidesOf(UserAccess user, MspContract contract)
    {
        var sides = new List<ContractSide>();
        if (user.HasIn(Permission.ManageContracts, contract.CustomerId)) sides.Add(ContractSide.Customer);
        if (user.HasIn(Permission.ManageContracts, contract.MspId)) sides.Add(ContractSide.Msp);
        if (user.IsPlatformAdmin && user.Has(Permission.ManageContracts)) sides.Add(ContractSide.Platform);
        return sides;
    }

    /// <summary>The user as a party to the contract, for the side the step belongs to when they may act for it (else their first side).</summary>
    public static ContractParty For(UserAccess user, MspContract contract, ContractSide preferred)
    {
        var sides = SidesOf(user, contract);
        var side = sides.Contains(preferred) ? preferred : sides.Count > 0 ? sides[0]
            : throw new NotPermittedException($"Your role does not allow this ({Permission.ManageContracts}).");
        return new ContractParty(user.UserId, user.DisplayName, side);
    }

    public static ContractView View(MspContract c, IReadOnlyDictionary<Guid, ContractPartyName> parties, UserAccess user)
    {
        var msp = parties.GetValueOrDefault(c.MspId) ?? Unknown;
        var customer = parties.GetValueOrDefault(c.CustomerId) ?? Unknown;
        return new ContractView(c.Id, c.MspId, msp.Name, c.CustomerId, customer.Name, msp.Deactivated, customer.Deactivated, c.State, c.Message,
            c.ProposedAt, c.ProposedByName, c.StartedAt, c.StartedByName, c.ClosedAt, c.ClosedByName, c.EndedAt, c.EndedByName, c.EndedBySide,
            [.. SidesOf(user, c).SelectMany(c.ActionsFor).Distinct()]);
    }

    /// <summary>The view of a contract whose two organisations the handler has in hand.</summary>
    public static ContractView View(MspContract contract, Organisation msp, Organisation customer, UserAccess user) =>
        View(contract, new Dictionary<Guid, ContractPartyName>
        {
            [msp.Id] = new(msp.Name, !msp.IsActive),
            [customer.Id] = new(customer.Name, !customer.IsActive),
        }, user);

    /// <summary>One contract's view, with its two organisations read.</summary>
    public static async Task<ContractView> ViewAsync(PortalDbContext db, MspContract contract, UserAccess user, CancellationToken ct) =>
        View(contract, await PartyNamesAsync(db, [contract.MspId, contract.CustomerId], ct), user);

    /// <summary>The organisations of some contracts as their views name them, by id, read in one query.</summary>
    public static async Task<Dictionary<Guid, ContractPartyName>> PartyNamesAsync(PortalDbContext db, IReadOnlyCollection<Guid> organisationIds, CancellationToken ct) =>
        await db.Organisations.AsNoTracking().Where(o => organisationIds.Contains(o.Id))
            .Select(o => new { o.Id, o.Name, o.DeactivatedAt }).ToDictionaryAsync(o => o.Id, o => new ContractPartyName(o.Name, o.DeactivatedAt != null), ct);

    private static readonly ContractPartyName Unknown = new("?", false);

    /// <summary>The contract the access check loaded (tracked), from the identity map; found through the context otherwise.</summary>
    public static async Task<MspContract> LoadAsync(PortalDbContext db, Guid contractId, CancellationToken ct) =>
        db.Contracts.Local.FirstOrDefault(c => c.Id == contractId)
        ?? await db.Contracts.FirstOrDefaultAsync(c => c.Id == contractId, ct)
        ?? throw new NotFoundException("contract", contractId);

    /// <summary>The MSP and the customer of a contract, for the rules that need them (deactivated?) and the audit lines (names).</summary>
    public static async Task<(Organisation Msp, Organisation Customer)> PartiesAsync(PortalDbContext db, MspContract contract, CancellationToken ct)
    {
        var organisations = await db.Organisations.AsNoTracking().Where(o => o.Id == contract.MspId || o.Id == contract.CustomerId).ToListAsync(ct);
        return (organisations.Single(o => o.Id == contract.MspId), organisations.Single(o => o.Id == contract.CustomerId));
    }

    /// <summary>Is there already a proposed or active contract between them? (The unique filtered index refuses a second one as well.)</summary>
    public static async Task EnsureNoOpenContractAsync(PortalDbContext db, Organisation msp, Organisation customer, CancellationToken ct)
    {
        var open = await db.Contracts.AsNoTracking()
            .Where(c => c.MspId == msp.Id && c.CustomerId == customer.Id && MspContract.OpenStates.Contains(c.State))
            .Select(c => (ContractState?)c.State).FirstOrDefaultAsync(ct);
        if (open is { } state)
            throw new DomainRuleException("contract_exists", state == ContractState.Active
                ? $"{msp.Name} already manages {customer.Name}: end that contract first."
                : $"{msp.Name} has already proposed to manage {customer.Name}; that proposal awaits an answer.");
    }
}
