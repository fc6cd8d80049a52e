using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Portal.Data;
using Portal.Domain;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// Resolves (tid, oid) to a <see cref="UserAccess"/>, or null when the Entra tenant or the user is unknown to
/// Portal. Cached for at most <see cref="Lifetime"/> so the status read path costs no query per request;
/// <see cref="Invalidate"/> drops everything at once when a membership or contract changes.
/// No reader waits for a reload of a user it already knows: an entry older than <see cref="RefreshAfter"/> is
/// still served while one background load replaces it (so access is never older than the lifetime), and
/// readers that miss together share one load. Before, every 30 s two or more of the readers polling a status
/// page each rebuilt the same user with five queries.
/// </summary>
public sealed partial class UserAccessCache(IMemoryCache cache, IServiceScopeFactory scopes, TimeProvider clock, ILogger<UserAccessCache> logger) : IDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(20);

    private readonly ConcurrentDictionary<Key, Lazy<Task<UserAccess?>>> _loading = new();
    private CancellationTokenSource _generation = new();

    private readonly record struct Key(Guid EntraTenantId, Guid EntraObjectId);

    /// <summary>What is cached for one user, and when it was read from the database.</summary>
    private sealed class Entry(UserAccess? access, DateTimeOffset loadedAt)
    {
        public UserAccess? Access { get; } = access;
        public DateTimeOffset LoadedAt { get; } = loadedAt;
        public int Refreshing;
    }

    public async Task<UserAccess?> GetAsync(Guid entraTenantId, Guid entraObjectId, CancellationToken ct)
    {
        var key = new Key(entraTenantId, entraObjectId);
        if (cache.TryGetValue(key, out Entry? entry))
        {
            if (clock.GetUtcNow() - entry!.LoadedAt >= RefreshAfter && Interlocked.Exchange(ref entry.Refreshing, 1) == 0) RefreshInBackground(key, entry);
            return entry.Access;
        }

        var load = _loading.GetOrAdd(key, k => new Lazy<Task<UserAccess?>>(() => LoadAndStoreAsync(k)));
        try
        {
            return await load.Value.WaitAsync(ct);
        }
        finally
        {
            // Removed after the load is in the cache: a later miss (after expiry or Invalidate) starts a new one.
            _loading.TryRemove(new KeyValuePair<Key, Lazy<Task<UserAccess?>>>(key, load));
        }
    }

    public void Invalidate()
    {
        var previous = Interlocked.Exchange(ref _generation, new CancellationTokenSource());
        previous.Cancel();
        previous.Dispose();
    }

    /// <summary>Drops one user's entry (a person whose invitation was just bound: they were cached as nobody).</summary>
    public void Forget(Guid entraTenantId, Guid entraObjectId) => cache.Remove(new Key(entraTenantId, entraObjectId));

    public void Dispose() => _generation.Dispose();

    private async Task<UserAccess?> LoadAndStoreAsync(Key key)
    {
        // Taken before reading: if access changes (Invalidate) while this load runs, what it read is never kept.
        var generation = _generation.Token;
        var loadedAt = clock.GetUtcNow();
        // Shared by every reader waiting for it: none of their cancellations may cut it short.
        var access = await LoadAsync(key.EntraTenantId, key.EntraObjectId, CancellationToken.None);
        using var entry = cache.CreateEntry(key);
        entry.Value = new Entry(access, loadedAt);
        entry.AbsoluteExpirationRelativeToNow = Lifetime;
        entry.AddExpirationToken(new Microsoft.Extensions.Primitives.CancellationChangeToken(generation));
        return access;
    }

    private void RefreshInBackground(Key key, Entry stale)
    {
        // Not in the request's flow: the request has its answer, and its scope (logging, HttpContext) must not leak in.
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await LoadAndStoreAsync(key);
                }
                catch (Exception e)
                {
                    Interlocked.Exchange(ref stale.Refreshing, 0); // the next reader tries again; the entry still expires on time
                    LogRefreshFailed(logger, e);
                }
            });
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing a user's access in the background failed; it is retried on the next request and expires on time")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    private async Task<UserAccess?> LoadAsync(Guid tid, Guid oid, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();

        // Microsoft.Identity.Web with "organizations" accepts any Entra tenant: only tenants Portal knows count.
        // A deactivated organisation vouches for nobody: its Entra tenant counts only if another, active one shares it.
        if (!await db.Organisations.AnyAsync(o => o.EntraTenantId == tid && o.DeactivatedAt == null, ct)) return null;

        var user = await db.Users.AsNoTracking().Include(u => u.Memberships)
            .SingleOrDefaultAsync(u => u.EntraTenantId == tid && u.EntraObjectId == oid, ct);
        if (user is null) return null;

        var organisationIds = user.Memberships.Select(m => m.OrganisationId).Distinct().ToList();
        var organisations = await db.Organisations.AsNoTracking().Where(o => organisationIds.Contains(o.Id) && o.DeactivatedAt == null).ToDictionaryAsync(o => o.Id, ct);
        // Memberships of deactivated organisations grant nothing; with none left the user has no access at all.
        var memberships = user.Memberships.Where(m => organisations.ContainsKey(m.OrganisationId))
            .Select(m => new MembershipAccess(m.OrganisationId, organisations[m.OrganisationId].Name, organisations[m.OrganisationId].Kind, m.Role))
            .ToList();

        if (memberships.Count == 0) return null;

        var now = clock.GetUtcNow();
        var mspIds = memberships.Where(m => m.Kind == OrganisationKind.Msp).Select(m => m.OrganisationId).Distinct().ToList();
        var contracts = await db.Contracts.AsNoTracking().Where(c => mspIds.Contains(c.MspId)).ToListAsync(ct);
        var managed = contracts.Where(c => c.IsActiveAt(now)).ToList();

        var customerIds = memberships.Where(m => m.Kind == OrganisationKind.Customer).Select(m => m.OrganisationId)
            .Concat(managed.Select(c => c.CustomerId)).Distinct().ToList();
        var customers = await db.Organisations.AsNoTracking().Where(o => customerIds.Contains(o.Id) && o.DeactivatedAt == null).ToDictionaryAsync(o => o.Id, ct);

        var tenants = new Dictionary<Guid, TenantGrant>();
        foreach (var tenantId in customerIds)
        {
            // A deactivated customer tenant is reached by nobody, not even its MSP; its data stays.
            if (!customers.TryGetValue(tenantId, out var customer)) continue;
            var mspRoles = managed.Where(c => c.CustomerId == tenantId)
                .SelectMany(c => memberships.Where(m => m.OrganisationId == c.MspId).Select(m => m.Role)).Distinct().ToList();
            var ownRoles = memberships.Where(m => m.OrganisationId == tenantId).Select(m => m.Role).ToList();
            var access = mspRoles.Count > 0 ? TenantAccess.Msp : TenantAccess.Customer;
            tenants[tenantId] = new TenantGrant(tenantId, customer.Name, customer.IncidentPrefix ?? "", access, [.. mspRoles.Concat(ownRoles).Distinct()]);
        }
        return new UserAccess(user.Id, user.DisplayName, user.Email, memberships, tenants);
    }
}
