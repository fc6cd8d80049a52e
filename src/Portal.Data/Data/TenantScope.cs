namespace Portal.Data;

/// <summary>
/// The customer tenants the current request may read, consumed by the global query filters of
/// <see cref="PortalDbContext"/>. It starts empty (fail closed): a request sees nothing until the
/// signed-in user's access is resolved, and only jobs and seeding opt into <see cref="System"/>.
/// </summary>
public sealed class TenantScope
{
    /// <summary>Tenants managed under an active MSP contract: everything, internal notes included.</summary>
    public IReadOnlyList<Guid> FullAccess { get; private set; } = [];

    /// <summary>The user's own customer tenants: the customer-visible part only.</summary>
    public IReadOnlyList<Guid> CustomerAccess { get; private set; } = [];

    /// <summary>Background work acting for the platform itself; never set for a user's request.</summary>
    public bool IsSystem { get; private set; }

    public void Grant(IEnumerable<Guid> fullAccess, IEnumerable<Guid> customerAccess)
    {
        FullAccess = [.. fullAccess.Distinct()];
        CustomerAccess = [.. customerAccess.Distinct().Except(FullAccess)];
    }

    public void UseSystemAccess() => IsSystem = true;

    public bool CanRead(Guid tenantId) => IsSystem || FullAccess.Contains(tenantId) || CustomerAccess.Contains(tenantId);
}
