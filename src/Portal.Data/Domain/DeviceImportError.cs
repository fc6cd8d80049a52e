namespace Portal.Domain;

/// <summary>A line of an import that was not taken, and why; the user downloads these as the error report.</summary>
public sealed class DeviceImportError
{
    public const int ReasonMaxLength = 500;

    private DeviceImportError() { Reason = ""; }

    public DeviceImportError(DeviceImport import, long line, string? hostname, string reason)
    {
        Id = Guid.CreateVersion7();
        ImportId = import.Id;
        TenantId = import.TenantId;
        Line = line;
        Hostname = string.IsNullOrEmpty(hostname) ? null : hostname.Length > Device.HostnameMaxLength ? hostname[..Device.HostnameMaxLength] : hostname;
        Reason = reason.Length > ReasonMaxLength ? reason[..ReasonMaxLength] : reason;
    }

    public Guid Id { get; private set; }
    public Guid ImportId { get; private set; }
    public Guid TenantId { get; private set; }
    public long Line { get; private set; }

    /// <summary>The line's hostname cell as written (cut to the hostname limit), so the user finds the row; null when empty.</summary>
    public string? Hostname { get; private set; }
    public string Reason { get; private set; }
}
