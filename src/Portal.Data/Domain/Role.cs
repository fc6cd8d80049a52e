namespace Portal.Domain;

public enum Role
{
    ProviderPublisher,
    ProviderViewer,
    MspEngineer,
    MspLead,
    CustomerViewer,
    CustomerAdmin,
    PlatformAdmin,

    /// <summary>A machine client of an MSP (its RMM tool or script): works remediation tasks and devices, nothing else.</summary>
    MspIntegration,
}
