using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Portal.Data;
using Portal.Domain;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// Resolves (tid, oid) to a <see cref="UserAccess"/>, or null when the Entra tenant or the user is unknown to
/// Portal. Cached for <see cref="Lifetime"/> so the status read path costs no query per request;
/// <see cref="Invalidate"/> drops everything at once when a membership or contract changes.
/// </summary>
public sealed class UserAccessCache(IMemoryCache cache, IServiceScopeFactory scopes, TimeProvider clock) : IDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private CancellationTokenSource _generation = new();

    public async Task<UserAccess?> GetAsync(Guid entraTenantId, Guid entraObjectId, CancellationToken ct)
    {
        var key = (nameof(UserAccess), entraTenantId, entraObjectId);
        if (cache.TryGetValue(key, out UserAccess? hit)) return hit;

        var access = await LoadAsync(entraTenantId, entraObjectId, ct);
        using var entry = cache.CreateEntry(key);
        entry.Value = access;
        entry.AbsoluteExpirationRelativeToNow = Lifetime;
        entry.AddExpirationToken(new Microsoft.Extensions.Primitives.CancellationChangeToken(_generation.Token));
        return access;
    }

    public void Invalidate()
    {
        var previous = Interlocked.Exchange(ref _generation, new CancellationTokenSource());
        previous.Cancel();
        previous.Dispose();
    }

    public void Dispose() => _generation.Dispose();

    private async Task<UserAccess?> LoadAsync(Guid tid, Guid oid, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();

        // Microsoft.Identity.Web with "organizations" accepts any Entra tenant: only tenants Portal knows count.
        if (!await db.Organisations.AnyAsync(o => o.EntraTenantId == tid, ct)) return null;

        var user = await db.Users.AsNoTracking().Include(u => u.Memberships)
            .SingleOrDefaultAsync(u => u.EntraTenantId == tid && u.EntraObjectId == oid, ct);
        if (user is null) return null;

        var organisationIds = user.Memberships.Select(m => m.OrganisationId).Distinct().ToList();
        var organisations = await db.Organisations.AsNoTracking().Where(o => organisationIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, ct);
        var memberships = user.Memberships
            .Select(m => new MembershipAccess(m.OrganisationId, organisations[m.OrganisationId].Name, organisations[m.OrganisationId].Kind, m.Role))
            .ToList();

        var now = clock.GetUtcNow();
        var mspIds = memberships.Where(m => m.Kind == OrganisationKind.Msp).Select(m => m.OrganisationId).Distinct().ToList();
        var contracts = await db.Contracts.AsNoTracking().Where(c => mspIds.Contains(c.MspId)).ToListAsync(ct);
        var managed = contracts.Where(c => c.IsActiveAt(now)).ToList();

        var customerIds = memberships.Where(m => m.Kind == OrganisationKind.Customer).Select(m => m.OrganisationId)
            .Concat(managed.Select(c => c.CustomerId)).Distinct().ToList();
        var customers = await db.Organisations.AsNoTracking().Where(o => customerIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, ct);

        var tenants = new Dictionary<Guid, TenantGrant>();
        foreach (var tenantId in customerIds)
        {
            var customer = customers[tenantId];
            var mspRoles = managed.Where(c => c.CustomerId == tenantId)
                .SelectMany(c => memberships.Where(m => m.OrganisationId == c.MspId).Select(m => m.Role)).Distinct().ToList();
            var ownRoles = memberships.Where(m => m.OrganisationId == tenantId).Select(m => m.Role).ToList();
            var access = mspRoles.Count > 0 ? TenantAccess.Msp : TenantAccess.Customer;
            tenants[tenantId] = new TenantGrant(tenantId, customer.Name, customer.IncidentPrefix ?? "", access, [.. mspRoles.Concat(ownRoles).Distinct()]);
        }
        return new UserAccess(user.Id, user.DisplayName, user.Email, memberships, tenants);
    }
}
