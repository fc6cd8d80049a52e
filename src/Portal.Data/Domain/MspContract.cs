namespace Portal.Domain;

/// <summary>An MSP manages a customer tenant while its contract is active; the contract is what grants MSP access.</summary>
public sealed class MspContract
{
    private MspContract() { }

    public MspContract(Guid id, Guid mspId, Guid customerId, DateTimeOffset startedAt)
    {
        if (mspId == customerId) throw new DomainRuleException("invalid_contract", "An MSP cannot manage itself.");
        Id = id;
        MspId = mspId;
        CustomerId = customerId;
        StartedAt = startedAt;
    }

    public Guid Id { get; private set; }
    public Guid MspId { get; private set; }
    public Guid CustomerId { get; private set; }
    public DateTimeOffset StartedAt { get; private set; }
    public DateTimeOffset? EndedAt { get; private set; }

    public bool IsActiveAt(DateTimeOffset now) => StartedAt <= now && (EndedAt is null || EndedAt > now);

    public void End(DateTimeOffset at)
    {
        if (EndedAt is not null) throw new DomainRuleException("contract_ended", "This contract has already ended.");
        if (at < StartedAt) throw new DomainRuleException("invalid_contract", "A contract cannot end before it starts.");
        EndedAt = at;
    }
}
