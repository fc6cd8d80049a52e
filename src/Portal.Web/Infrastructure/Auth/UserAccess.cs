using Portal.Domain;
using Portal.Infrastructure.Telemetry;

namespace Portal.Infrastructure.Auth;

public sealed record MembershipAccess(Guid OrganisationId, string OrganisationName, OrganisationKind Kind, Role Role);

/// <summary>What one user may reach in one customer tenant, and through which roles.</summary>
public sealed record TenantGrant(Guid TenantId, string Name, string IncidentPrefix, TenantAccess Access, IReadOnlyList<Role> Roles);

/// <summary>
/// A signed-in Portal user resolved from the token's tid + oid: their memberships and, derived from
/// them and the active MSP contracts, the customer tenants they may reach. Immutable; cached briefly.
/// </summary>
public sealed record UserAccess(Guid UserId, string DisplayName, string Email, IReadOnlyList<MembershipAccess> Memberships, IReadOnlyDictionary<Guid, TenantGrant> Tenants)
{
    public bool Has(Permission permission) => Memberships.Any(m => RoleRules.Grants(m.Role, permission));

    public bool Has(Permission permission, Guid tenantId) =>
        Tenants.TryGetValue(tenantId, out var grant) && grant.Roles.Any(r => RoleRules.Grants(r, permission));

    /// <summary>The permission through a membership of this organisation (a provider's own advisories).</summary>
    public bool HasIn(Permission permission, Guid organisationId) =>
        Memberships.Any(m => m.OrganisationId == organisationId && RoleRules.Grants(m.Role, permission));

    /// <summary>The providers the user belongs to: their advisories are visible to them.</summary>
    public IReadOnlyList<Guid> ProviderIds { get; } = [.. Memberships.Where(m => m.Kind == OrganisationKind.Provider).Select(m => m.OrganisationId).Distinct()];

    public TenantAccess AccessTo(Guid tenantId) => Tenants.TryGetValue(tenantId, out var grant) ? grant.Access : TenantAccess.None;

    public Actor ActorIn(Guid tenantId) => new(UserId, DisplayName, AccessTo(tenantId));

    /// <summary>Managed tenants (full access) and own tenants (customer-visible part): disjoint, computed once per resolved user.</summary>
    public IReadOnlyList<Guid> FullAccessTenants { get; } = [.. Tenants.Values.Where(t => t.Access == TenantAccess.Msp).Select(t => t.TenantId)];

    public IReadOnlyList<Guid> CustomerAccessTenants { get; } = [.. Tenants.Values.Where(t => t.Access == TenantAccess.Customer).Select(t => t.TenantId)];

    public bool IsKind(OrganisationKind kind) => Memberships.Any(m => m.Kind == kind);

    public bool IsPlatformAdmin => Memberships.Any(m => m.Role == Role.PlatformAdmin);

    /// <summary>A machine client (an MSP's RMM tool): every membership is <see cref="Role.MspIntegration"/>.</summary>
    public bool IsIntegration => Memberships.Count > 0 && Memberships.All(m => m.Role == Role.MspIntegration);

    /// <summary>The logging scope of this user's requests, made once per resolved user.</summary>
    public UserLogScope LogScope { get; } = new(UserId);
}
