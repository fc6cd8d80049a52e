namespace Portal.Domain;

public enum ServiceKind { SoftwareProduct, CloudService }

/// <summary>A provider's product or cloud service that customers subscribe to; advisories target services.</summary>
public sealed class Service
{
    private Service() { Name = ""; }

    public const int NameMaxLength = 200;

    public Service(Guid id, Guid providerId, string name, ServiceKind kind)
    {
        if (!Enum.IsDefined(kind)) throw new InvalidValueException("invalid_kind", $"{(int)kind} is not a kind of service.");
        Id = id;
        ProviderId = providerId;
        Name = PlainText.Require(name, NameMaxLength, "service name", multiline: false);
        Kind = kind;
    }

    public Guid Id { get; private set; }
    public Guid ProviderId { get; private set; }
    public string Name { get; private set; }
    public ServiceKind Kind { get; private set; }
}
