namespace Portal.Domain;

/// <summary>An asset of a customer tenant; remediation tasks are per device.</summary>
public sealed class Device
{
    private Device() { Hostname = ""; }

    public Device(Guid id, Guid tenantId, string hostname, string operatingSystem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostname);
        Id = id;
        TenantId = tenantId;
        Hostname = hostname.Trim();
        OperatingSystem = operatingSystem;
    }

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public string Hostname { get; private set; }
    public string? OperatingSystem { get; private set; }
}
