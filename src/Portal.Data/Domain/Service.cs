namespace Portal.Domain;

public enum ServiceKind { SoftwareProduct, CloudService }

/// <summary>A provider's product or cloud service that customers subscribe to; advisories target services.</summary>
public sealed class Service
{
    private Service() { Name = ""; }

    public Service(Guid id, Guid providerId, string name, ServiceKind kind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Id = id;
        ProviderId = providerId;
        Name = name.Trim();
        Kind = kind;
    }

    public Guid Id { get; private set; }
    public Guid ProviderId { get; private set; }
    public string Name { get; private set; }
    public ServiceKind Kind { get; private set; }
}
