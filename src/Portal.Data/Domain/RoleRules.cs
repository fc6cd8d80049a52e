namespace Portal.Domain;

public static class RoleRules
{
    public static bool Fits(Role role, OrganisationKind kind) => kind switch
    {
        OrganisationKind.Provider => role is Role.ProviderPublisher or Role.ProviderViewer,
        OrganisationKind.Msp => role is Role.MspEngineer or Role.MspLead or Role.MspIntegration,
        OrganisationKind.Customer => role is Role.CustomerViewer or Role.CustomerAdmin,
        OrganisationKind.Platform => role is Role.PlatformAdmin,
        _ => false,
    };

    public static bool Grants(Role role, Permission permission) => permission switch
    {
        Permission.ReadIncidents => role is Role.MspEngineer or Role.MspLead or Role.CustomerViewer or Role.CustomerAdmin,
        Permission.WorkIncidents => role is Role.MspEngineer or Role.MspLead,
        Permission.CommentOnIncidents => role is Role.MspEngineer or Role.MspLead or Role.CustomerViewer or Role.CustomerAdmin,
        Permission.ViewOrganisations => role is Role.PlatformAdmin,
        Permission.ViewProviderServices => role is Role.ProviderPublisher or Role.ProviderViewer,
        Permission.ReadRemediationProgress => role is Role.MspEngineer or Role.MspLead or Role.MspIntegration or Role.CustomerViewer or Role.CustomerAdmin,
        Permission.WorkRemediation => role is Role.MspEngineer or Role.MspLead or Role.MspIntegration,
        Permission.ImportDevices => role is Role.MspEngineer or Role.MspLead,
        // The dashboard lists every organisation's jobs (their arguments, and a failed job's exception): the platform's operators only.
        Permission.ViewBackgroundJobs => role is Role.PlatformAdmin,
        Permission.PublishAdvisories => role is Role.ProviderPublisher,
        Permission.ReadAdvisoryImpact => role is Role.ProviderPublisher or Role.ProviderViewer,
        Permission.ReadAdvisories => role is Role.ProviderPublisher or Role.ProviderViewer or Role.MspEngineer or Role.MspLead
            or Role.CustomerViewer or Role.CustomerAdmin,
        Permission.WorkAdvisories => role is Role.MspEngineer or Role.MspLead,
        Permission.ManageSubscriptions => role is Role.CustomerAdmin or Role.MspLead or Role.MspEngineer,
        Permission.ManageNotificationEndpoints => role is Role.MspLead,
        Permission.ReadDeliveryLog => role is Role.MspLead,
        Permission.ManageEmailSubscriptions => role is Role.CustomerAdmin,
        Permission.ReadEscalations => role is Role.MspEngineer or Role.MspLead,
        Permission.ManageEscalations => role is Role.MspLead,
        Permission.ManageOrganisations => role is Role.PlatformAdmin,
        Permission.ManagePeople => role is Role.MspLead or Role.CustomerAdmin or Role.ProviderPublisher or Role.PlatformAdmin,
        Permission.ManageContracts => role is Role.MspLead or Role.CustomerAdmin or Role.PlatformAdmin,
        Permission.CreateContracts => role is Role.PlatformAdmin,
        _ => false,
    };

    /// <summary>Permissions held in a provider organisation and checked against the advisory's provider, not a tenant.</summary>
    public static bool IsProviderScoped(Permission permission) => permission is Permission.PublishAdvisories or Permission.ReadAdvisoryImpact;

    /// <summary>The role that administers an organisation of this kind: it invites and removes people, and one must always remain.</summary>
    public static Role AdminRoleOf(OrganisationKind kind) => kind switch
    {
        OrganisationKind.Provider => Role.ProviderPublisher,
        OrganisationKind.Msp => Role.MspLead,
        OrganisationKind.Customer => Role.CustomerAdmin,
        _ => Role.PlatformAdmin,
    };
}
