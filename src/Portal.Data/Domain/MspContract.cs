namespace Portal.Domain;

/// <summary>
/// Where a contract is in its life. Proposed → Active (the customer accepted) / Declined (the customer said no) / Withdrawn (the MSP
/// took it back first); Active → Ended (either side, or the platform). Declined, Withdrawn and Ended are final: a new proposal is a new row.
/// </summary>
public enum ContractState { Proposed, Active, Declined, Withdrawn, Ended }

/// <summary>On whose behalf someone acts on a contract: its MSP, its customer, or the platform operator.</summary>
public enum ContractSide { Msp, Customer, Platform }

/// <summary>Who takes a step on a contract, and for which side.</summary>
public sealed record ContractParty(Guid UserId, string Name, ContractSide Side);

/// <summary>
/// An MSP manages a customer tenant while its contract is active; the contract is what grants MSP access. Only a contract that was
/// accepted (or created by the platform) has a <see cref="StartedAt"/>: a proposal, a declined or a withdrawn one grants nothing, and every
/// "active at" check (StartedAt ≤ now, not ended) leaves it out by construction, in memory and in SQL alike.
/// </summary>
public sealed class MspContract
{
    public const int MessageMaxLength = 1000;

    private MspContract() { }

    /// <summary>An active contract from <paramref name="startedAt"/> (seeding, tests, and the platform's direct creation).</summary>
    public MspContract(Guid id, Guid mspId, Guid customerId, DateTimeOffset startedAt)
    {
        if (mspId == customerId) throw new DomainRuleException("invalid_contract", "An MSP cannot manage itself.");
        Id = id;
        MspId = mspId;
        CustomerId = customerId;
        StartedAt = startedAt;
        State = ContractState.Active;
    }

    /// <summary>An MSP's lead proposes to manage a customer tenant; nothing is granted until the customer's admin accepts.</summary>
    public static MspContract Propose(Guid id, Organisation msp, Organisation customer, ContractParty proposer, string? message, DateTimeOffset at)
    {
        if (proposer.Side != ContractSide.Msp) throw new NotPermittedException("Only a lead of the MSP proposes a contract.");
        CheckParties(msp, customer);
        var text = string.IsNullOrWhiteSpace(message) ? null : message.Trim();
        if (text is { Length: > MessageMaxLength })
            throw new InvalidValueException("message_too_long", $"A proposal's message has at most {MessageMaxLength} characters.");
        if (!PlainText.IsPlain(text)) throw new InvalidValueException("invalid_text", PlainText.Refusal("message"));
        return new MspContract
        {
            Id = id, MspId = msp.Id, CustomerId = customer.Id, State = ContractState.Proposed, Message = text,
            ProposedAt = at, ProposedById = proposer.UserId, ProposedByName = proposer.Name,
        };
    }

    /// <summary>The platform operator creates an active contract directly, without a proposal.</summary>
    public static MspContract Create(Guid id, Organisation msp, Organisation customer, ContractParty creator, DateTimeOffset at)
    {
        if (creator.Side != ContractSide.Platform) throw new NotPermittedException("Only the platform operator creates a contract directly.");
        CheckParties(msp, customer);
        return new MspContract(id, msp.Id, customer.Id, at) { StartedById = creator.UserId, StartedByName = creator.Name };
    }

    private static void CheckParties(Organisation msp, Organisation customer)
    {
        if (msp.Kind != OrganisationKind.Msp) throw new InvalidValueException("not_an_msp", $"{msp.Name} is not an MSP.");
        if (customer.Kind != OrganisationKind.Customer) throw new InvalidValueException("not_a_customer", $"{customer.Name} is not a customer tenant.");
        foreach (var organisation in new[] { msp, customer })
        {
            if (!organisation.IsActive)
                throw new DomainRuleException("organisation_deactivated", $"{organisation.Name} is deactivated: no contract can be made with it.");
        }
    }

    public Guid Id { get; private set; }
    public Guid MspId { get; private set; }
    public Guid CustomerId { get; private set; }
    public ContractState State { get; private set; }

    /// <summary>What the MSP wrote to the customer with its proposal (optional).</summary>
    public string? Message { get; private set; }

    public DateTimeOffset? ProposedAt { get; private set; }
    public Guid? ProposedById { get; private set; }
    public string? ProposedByName { get; private set; }

    /// <summary>When the contract took effect (accepted, or created directly); null while it is only a proposal, or never was more.</summary>
    public DateTimeOffset? StartedAt { get; private set; }
    public Guid? StartedById { get; private set; }
    public string? StartedByName { get; private set; }

    /// <summary>When a proposal was declined by the customer or withdrawn by the MSP.</summary>
    public DateTimeOffset? ClosedAt { get; private set; }
    public Guid? ClosedById { get; private set; }
    public string? ClosedByName { get; private set; }

    public DateTimeOffset? EndedAt { get; private set; }
    public Guid? EndedById { get; private set; }
    public string? EndedByName { get; private set; }
    public ContractSide? EndedBySide { get; private set; }

    /// <summary>Concurrency token: two people answering the same proposal at once cannot both win.</summary>
    public long Version { get; private set; }

    /// <summary>Proposed or active: at most one such contract per MSP and customer (a unique filtered index holds it in the database too).</summary>
    public bool IsOpen => State is ContractState.Proposed or ContractState.Active;

    public static readonly IReadOnlyList<ContractState> OpenStates = [ContractState.Proposed, ContractState.Active];

    /// <summary>
    /// Targets this customer was promised that are tighter than the MSP's policy (Escalations): per severity, shorter only.
    /// Effective targets take the shorter of the two, so a policy tightened later still wins where it is shorter.
    /// </summary>
    public IReadOnlyList<SeverityTarget> TightenedTargets { get; private set; } = [];

    /// <summary>Sets the tenant's tighter targets (severities not named keep the policy's); a target looser than the policy is refused.</summary>
    public void TightenTargets(IReadOnlyList<SeverityTarget> targets, EscalationPolicy policy)
    {
        if (policy.MspId != MspId) throw new InvalidOperationException("The policy belongs to another MSP.");
        foreach (var group in targets.GroupBy(t => t.Severity))
        {
            if (!Enum.IsDefined(group.Key)) throw new InvalidValueException("invalid_severity", $"Severity {(int)group.Key} does not exist.");
            if (group.Count() > 1) throw new InvalidValueException("invalid_targets", $"{group.Key} is named twice.");
            var t = group.Single();
            var policyTarget = policy.TargetFor(t.Severity);
            if (t.AcknowledgeMinutes <= 0 || t.ResolveMinutes <= 0)
                throw new InvalidValueException("invalid_minutes", $"{t.Severity}: targets must be positive minutes.");
            if (t.AcknowledgeMinutes > policyTarget.AcknowledgeMinutes || t.ResolveMinutes > policyTarget.ResolveMinutes)
                throw new DomainRuleException("looser_than_policy", $"{t.Severity}: a contract may only tighten the MSP's targets " +
                    $"(acknowledge {policyTarget.AcknowledgeMinutes} min, resolve {policyTarget.ResolveMinutes} min); {t.AcknowledgeMinutes}/{t.ResolveMinutes} is looser.");
            if (t.ResolveMinutes < t.AcknowledgeMinutes)
                throw new InvalidValueException("resolve_before_acknowledge", $"{t.Severity}: the resolution target cannot be shorter than the acknowledgement target.");
        }
        TightenedTargets = [.. targets.OrderBy(t => t.Severity)];
    }

    /// <summary>The policy's target for one severity, tightened by this contract where it promises less time.</summary>
    public SeverityTarget TightenedTarget(SeverityTarget policyTarget) =>
        TightenedTargets.FirstOrDefault(t => t.Severity == policyTarget.Severity) is { } tighter
            ? policyTarget with
            {
                AcknowledgeMinutes = Math.Min(policyTarget.AcknowledgeMinutes, tighter.AcknowledgeMinutes),
                ResolveMinutes = Math.Min(policyTarget.ResolveMinutes, tighter.ResolveMinutes),
            }
            : policyTarget;

    public bool IsActiveAt(DateTimeOffset now) =>
        State is ContractState.Active or ContractState.Ended && StartedAt is { } started && started <= now && (EndedAt is null || EndedAt > now);

    /// <summary>The customer's admin accepts the proposal: from now on the MSP manages the tenant (both must still be active).</summary>
    public void Accept(ContractParty by, DateTimeOffset at, Organisation msp, Organisation customer)
    {
        if (msp.Id != MspId || customer.Id != CustomerId) throw new InvalidOperationException("These are not this contract's organisations.");
        RequireSide(by, "accepts a proposal", ContractSide.Customer);
        RequireState(ContractState.Proposed, "accepted");
        CheckParties(msp, customer);
        State = ContractState.Active;
        StartedAt = at;
        StartedById = by.UserId;
        StartedByName = by.Name;
        Close(by, at);
    }

    /// <summary>The customer's admin says no; the proposal is kept, as declined.</summary>
    public void Decline(ContractParty by, DateTimeOffset at)
    {
        RequireSide(by, "declines a proposal", ContractSide.Customer);
        RequireState(ContractState.Proposed, "declined");
        State = ContractState.Declined;
        Close(by, at);
    }

    /// <summary>The MSP's lead takes its proposal back before the customer answered.</summary>
    public void Withdraw(ContractParty by, DateTimeOffset at)
    {
        RequireSide(by, "withdraws a proposal", ContractSide.Msp);
        RequireState(ContractState.Proposed, "withdrawn");
        State = ContractState.Withdrawn;
        Close(by, at);
    }

    /// <summary>Either side (or the platform) ends an active contract: the MSP no longer manages the tenant.</summary>
    public void End(ContractParty by, DateTimeOffset at)
    {
        RequireState(ContractState.Active, "ended");
        End(at);
        EndedById = by.UserId;
        EndedByName = by.Name;
        EndedBySide = by.Side;
    }

    public void End(DateTimeOffset at)
    {
        if (EndedAt is not null) throw new DomainRuleException("contract_ended", "This contract has already ended.");
        RequireState(ContractState.Active, "ended");
        if (at < StartedAt) throw new DomainRuleException("invalid_contract", "A contract cannot end before it starts.");
        EndedAt = at;
        State = ContractState.Ended;
    }

    /// <summary>What someone acting for <paramref name="side"/> may do with the contract now (the buttons a page offers).</summary>
    public IReadOnlyList<string> ActionsFor(ContractSide side) => (State, side) switch
    {
        (ContractState.Proposed, ContractSide.Customer) => ["accept", "decline"],
        (ContractState.Proposed, ContractSide.Msp) => ["withdraw"],
        (ContractState.Active, _) => ["end"],
        _ => [],
    };

    private void Close(ContractParty by, DateTimeOffset at)
    {
        ClosedAt = at;
        ClosedById = by.UserId;
        ClosedByName = by.Name;
    }

    private void RequireState(ContractState expected, string verb)
    {
        if (State != expected)
            throw new DomainRuleException("transition_not_allowed",
                $"This contract is {State.ToString().ToLowerInvariant()}; only a {expected.ToString().ToLowerInvariant()} one can be {verb}.");
    }

    private static void RequireSide(ContractParty by, string what, ContractSide side)
    {
        if (by.Side != side)
            throw new NotPermittedException(side == ContractSide.Customer
                ? $"Only the customer's admin {what}."
                : $"Only a lead of the proposing MSP {what}.");
    }
}
