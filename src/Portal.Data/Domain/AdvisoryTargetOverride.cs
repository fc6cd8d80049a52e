namespace Portal.Domain;

/// <summary>An MSP's decision for one of its tenants: affected (Include) or not, whatever the subscriptions say.</summary>
public sealed class AdvisoryTargetOverride
{
    private AdvisoryTargetOverride() { ByName = ""; }

    public AdvisoryTargetOverride(Guid advisoryId, Guid tenantId, bool include, Actor actor, DateTimeOffset now)
    {
        AdvisoryId = advisoryId;
        TenantId = tenantId;
        Include = include;
        ById = actor.UserId;
        ByName = actor.DisplayName;
        At = now;
    }

    public Guid AdvisoryId { get; private set; }
    public Guid TenantId { get; private set; }
    public bool Include { get; private set; }
    public Guid ById { get; private set; }
    public string ByName { get; private set; }
    public DateTimeOffset At { get; private set; }
}
