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

    public bool IsActiveAt(DateTimeOffset now) => StartedAt <= now && (EndedAt is null || EndedAt > now);

    public void End(DateTimeOffset at)
    {
        if (EndedAt is not null) throw new DomainRuleException("contract_ended", "This contract has already ended.");
        if (at < StartedAt) throw new DomainRuleException("invalid_contract", "A contract cannot end before it starts.");
        EndedAt = at;
    }
}
