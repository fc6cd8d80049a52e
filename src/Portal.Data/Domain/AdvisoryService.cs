namespace Portal.Domain;

/// <summary>One affected service of an advisory.</summary>
public sealed class AdvisoryService
{
    private AdvisoryService() { }

    public AdvisoryService(Guid advisoryId, Guid serviceId)
    {
        AdvisoryId = advisoryId;
        ServiceId = serviceId;
    }

    public Guid AdvisoryId { get; private set; }
    public Guid ServiceId { get; private set; }
}
