namespace Portal.Domain;

/// <summary>What a request needs. Which roles grant what is decided in one table, <see cref="RoleRules"/>.</summary>
public enum Permission
{
    /// <summary>Read incidents of a tenant (customers see only the customer-visible part).</summary>
    ReadIncidents,
    /// <summary>Open, acknowledge, assign, change status, write internal notes.</summary>
    WorkIncidents,
    /// <summary>Write a customer-visible comment on an incident.</summary>
    CommentOnIncidents,
    /// <summary>See the organisations of the platform.</summary>
    ViewOrganisations,
    /// <summary>See the provider's own services and aggregate subscriber counts.</summary>
    ViewProviderServices,
    /// <summary>See remediation progress and burn-down of a tenant (customers see their own).</summary>
    ReadRemediationProgress,
    /// <summary>Devices and remediation tasks: list, create, change state (people and RMM integrations of the MSP).</summary>
    WorkRemediation,
    /// <summary>Upload a CSV of affected devices into an incident.</summary>
    ImportDevices,
    /// <summary>The background jobs dashboard: the platform's operators only, since it shows every tenant's jobs.</summary>
    ViewBackgroundJobs,
    /// <summary>Publish, edit and update the provider's own advisories (checked in the advisory's provider).</summary>
    PublishAdvisories,
    /// <summary>The aggregate picture of an advisory's reach and recovery: counts only (checked in the advisory's provider).</summary>
    ReadAdvisoryImpact,
    /// <summary>Read the advisories one may see: a provider its own, an MSP and a customer those that target their tenants.</summary>
    ReadAdvisories,
    /// <summary>Acknowledge an advisory for a tenant, add or remove a tenant, open linked incidents and tasks from it.</summary>
    WorkAdvisories,
    /// <summary>Declare which provider services (and regions) a customer tenant uses: its own admin, or its MSP.</summary>
    ManageSubscriptions,
    /// <summary>Register, rotate and delete the MSP's webhook and Teams endpoints (checked in the MSP).</summary>
    ManageNotificationEndpoints,
    /// <summary>Read the notification delivery log of the MSP's tenants (checked in the MSP).</summary>
    ReadDeliveryLog,
    /// <summary>Choose who in a customer tenant gets email about its incidents.</summary>
    ManageEmailSubscriptions,
    /// <summary>Read the MSP's escalation policy, on-call rotation and who is on call (its engineers; checked in the MSP).</summary>
    ReadEscalations,
    /// <summary>Edit the MSP's escalation policy, rotation and overrides, and a contract's tighter targets (its leads).</summary>
    ManageEscalations,
    /// <summary>Create organisations, bind them to their Entra tenant, rename, deactivate and reactivate them (the platform operator).</summary>
    ManageOrganisations,
    /// <summary>Invite people, change their roles, remove them, and read the organisation's audit log (its admins; checked in the organisation).</summary>
    ManagePeople,
    /// <summary>
    /// Propose, accept, decline, withdraw and end MSP contracts (an MSP's leads, a customer's admins; checked in the organisation). The
    /// platform operator holds it too, to see every contract and end any; which step each side may take is the contract's own rule.
    /// </summary>
    ManageContracts,
    /// <summary>Create an active MSP contract directly, without a proposal (the platform operator).</summary>
    CreateContracts,
}

/// <summary>How much of a customer tenant someone sees: an MSP under contract sees everything, the customer sees its customer-visible part.</summary>
public enum TenantAccess { None, Customer, Msp }
