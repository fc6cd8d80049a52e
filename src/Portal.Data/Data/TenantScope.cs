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

    /// <summary>The providers the user belongs to: their own advisories (never a tenant's data).</summary>
    public IReadOnlyList<Guid> Providers { get; private set; } = [];

    /// <summary>Background work acting for the platform itself; never set for a user's request.</summary>
    public bool IsSystem { get; private set; }

    /// <summary>Opens the scope to these tenants; the two lists must not overlap (a tenant is either managed or one's own).</summary>
    public void Grant(IReadOnlyList<Guid> fullAccess, IReadOnlyList<Guid> customerAccess, IReadOnlyList<Guid>? providers = null)
    {
        // A loop, not Any(customerAccess.Contains): this runs on every request, and the method group is a new delegate each time.
        for (var i = 0; i < fullAccess.Count; i++)
        {
            if (customerAccess.Contains(fullAccess[i])) throw new ArgumentException("A tenant cannot be both managed and one's own in one scope.", nameof(customerAccess));
        }
        FullAccess = fullAccess;
        CustomerAccess = customerAccess;
        Providers = providers ?? [];
    }

    public void UseSystemAccess() => IsSystem = true;

    public bool CanRead(Guid tenantId) => IsSystem || FullAccess.Contains(tenantId) || CustomerAccess.Contains(tenantId);
}
