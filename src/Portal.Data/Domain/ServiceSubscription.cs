namespace Portal.Domain;

/// <summary>A customer tenant uses a service, optionally only in one region (e.g. "westeurope").</summary>
public sealed class ServiceSubscription
{
    private ServiceSubscription() { }

    public ServiceSubscription(Guid id, Guid customerId, Guid serviceId, string? region)
    {
        Id = id;
        CustomerId = customerId;
        ServiceId = serviceId;
        if (region is not null && !PlainText.IsPlain(region.Trim(), multiline: false))
            throw new InvalidValueException("invalid_region", PlainText.Refusal("region"));
        Region = string.IsNullOrWhiteSpace(region) ? null : region.Trim().ToLowerInvariant();
    }

    public Guid Id { get; private set; }
    public Guid CustomerId { get; private set; }
    public Guid ServiceId { get; private set; }
    public string? Region { get; private set; }
}
