namespace Portal.Domain;

/// <summary>Why a tenant is a target: a subscription matched the advisory's services and regions, or its MSP added it.</summary>
public enum AdvisoryTargetSource { Subscription, AddedByMsp }

/// <summary>A tenant the advisory reaches; its MSP acknowledges it here (who, when).</summary>
public sealed class AdvisoryTarget
{
    private AdvisoryTarget() { }

    public AdvisoryTarget(Guid advisoryId, Guid tenantId, AdvisoryTargetSource source, DateTimeOffset now)
    {
        AdvisoryId = advisoryId;
        TenantId = tenantId;
        Source = source;
        TargetedAt = now;
    }

    public Guid AdvisoryId { get; private set; }
    public Guid TenantId { get; private set; }
    public AdvisoryTargetSource Source { get; private set; }
    public DateTimeOffset TargetedAt { get; private set; }
    public DateTimeOffset? AcknowledgedAt { get; private set; }
    public Guid? AcknowledgedById { get; private set; }
    public string? AcknowledgedByName { get; private set; }

    public bool IsAcknowledged => AcknowledgedAt is not null;

    /// <summary>The MSP has seen it for this tenant. Acknowledging again changes nothing (the first who and when stay).</summary>
    public bool Acknowledge(Actor actor, DateTimeOffset now)
    {
        if (actor.Access != TenantAccess.Msp) throw new NotPermittedException("Only the tenant's MSP acknowledges an advisory.");
        if (AcknowledgedAt is not null) return false;
        AcknowledgedAt = now;
        AcknowledgedById = actor.UserId;
        AcknowledgedByName = actor.DisplayName;
        return true;
    }

    /// <summary>The advisory came back after it was resolved: what its MSP acknowledged was the first time, not this one.</summary>
    internal void Reopened()
    {
        AcknowledgedAt = null;
        AcknowledgedById = null;
        AcknowledgedByName = null;
    }
}
