using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Live;

/// <summary>
/// SignalR group names (server-side only; clients never name a group) and the stream names events carry.
/// A tenant and an incident each have two groups: the full one for its MSP, the customer-visible one.
/// </summary>
public static class LiveGroups
{
    public static string TenantFull(Guid tenantId) => $"tenant:{tenantId:N}:full";
    public static string TenantCustomer(Guid tenantId) => $"tenant:{tenantId:N}:customer";
    public static string IncidentFull(Guid incidentId) => $"incident:{incidentId:N}:full";
    public static string IncidentCustomer(Guid incidentId) => $"incident:{incidentId:N}:customer";
    public static string Msp(Guid mspId) => $"msp:{mspId:N}";
    public static string Provider(Guid providerId) => $"provider:{providerId:N}";

    public static string Tenant(Guid tenantId, TenantAccess access) => access == TenantAccess.Msp ? TenantFull(tenantId) : TenantCustomer(tenantId);
    public static string Incident(Guid incidentId, TenantAccess access) => access == TenantAccess.Msp ? IncidentFull(incidentId) : IncidentCustomer(incidentId);

    /// <summary>The groups a user's connection belongs in, decided from their memberships and contracts alone.</summary>
    public static IReadOnlySet<string> For(UserAccess access)
    {
        var groups = new HashSet<string>();
        foreach (var tenant in access.Tenants.Values)
        {
            if (access.Has(Permission.ReadIncidents, tenant.TenantId)) groups.Add(Tenant(tenant.TenantId, tenant.Access));
        }
        foreach (var membership in access.Memberships)
        {
            if (membership.Kind == OrganisationKind.Msp) groups.Add(Msp(membership.OrganisationId));
            if (membership.Kind == OrganisationKind.Provider) groups.Add(Provider(membership.OrganisationId));
        }
        return groups;
    }
}

/// <summary>The stream names a client sees in events (the same for the full and the customer group of a tenant).</summary>
public static class LiveStreams
{
    public static string Tenant(Guid tenantId) => $"tenant/{tenantId}";
    public static string Incident(Guid incidentId) => $"incident/{incidentId}";
    public static string Msp(Guid mspId) => $"msp/{mspId}";
    public static string Provider(Guid providerId) => $"provider/{providerId}";
}
