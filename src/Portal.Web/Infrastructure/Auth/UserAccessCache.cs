using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Portal.Data;
using Portal.Domain;

namespace Portal.Infrastructure.Auth;

/// <summary>
/// Resolves (tid, oid) to a <see cref="UserAccess"/>, or null when the Entra tenant or the user is unknown to
/// Portal. Cached for at most <see cref="Lifetime"/> so the status read path costs no query per request;
/// <see cref="Revoke"/> drops the entries of exactly the people an access change concerns the moment it commits
/// (<see cref="Invalidate"/> drops everything).
/// No reader waits for a reload of a user it already knows: an entry older than <see cref="RefreshAfter"/> is
/// still served while one background load replaces it (so access is never older than the lifetime), and
/// readers that miss together share one load. Before, every 30 s two or more of the readers polling a status
/// page each rebuilt the same user with five queries.
/// </summary>
public sealed partial class UserAccessCache(IMemoryCache cache, IServiceScopeFactory scopes, TimeProvider clock, ILogger<UserAccessCache> logger) : IDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(20);

    private readonly ConcurrentDictionary<Key, Lazy<Task<Loaded>>> _loading = new();
    private CancellationTokenSource _generation = new();

    /// <summary>The entries in the cache, by key, so that a revocation finds the ones it concerns.</summary>
    private readonly ConcurrentDictionary<Key, Entry> _entries = new();

    /// <summary>Moves on every revocation: a load that began before one is never kept (it may have read the old access).</summary>
    private long _revision;

    private readonly record struct Key(Guid EntraTenantId, Guid EntraObjectId);

    /// <summary>A load's answer, the Portal user it found (even one with no access left), and whether access changed while it ran.</summary>
    private sealed record Loaded(UserAccess? Access, Guid? UserId, bool Outdated);

    /// <summary>What is cached for one user, and when it was read from the database.</summary>
    private sealed class Entry(UserAccess? access, Guid? userId, DateTimeOffset loadedAt)
    {
        public UserAccess? Access { get; } = access;
        public Guid? UserId { get; } = userId;
        public DateTimeOffset LoadedAt { get; } = loadedAt;
        public int Refreshing;
    }

    /// <summary>A ValueTask: a hit (nearly every request) completes at once and allocates no task.</summary>
    public ValueTask<UserAccess?> GetAsync(Guid entraTenantId, Guid entraObjectId, CancellationToken ct)
    {
        var key = new Key(entraTenantId, entraObjectId);
        if (cache.TryGetValue(key, out Entry? entry))
        {
            if (clock.GetUtcNow() - entry!.LoadedAt >= RefreshAfter && Interlocked.Exchange(ref entry.Refreshing, 1) == 0) RefreshInBackground(key, entry);
            return ValueTask.FromResult(entry.Access);
        }
        return new ValueTask<UserAccess?>(LoadAsync(key, ct));
    }

    private async Task<UserAccess?> LoadAsync(Key key, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var load = _loading.GetOrAdd(key, k => new Lazy<Task<Loaded>>(() => LoadAndStoreAsync(k)));
            Loaded loaded;
            try
            {
                loaded = await load.Value.WaitAsync(ct);
            }
            finally
            {
                // Removed after the load is in the cache: a later miss (after expiry or a revocation) starts a new one.
                _loading.TryRemove(new KeyValuePair<Key, Lazy<Task<Loaded>>>(key, load));
            }
            // Access changed while it read: what it read may be the old access, so read again (the change is committed by now).
            if (!loaded.Outdated || attempt == 3) return loaded.Access;
        }
    }

    /// <summary>Drops everything (tests, and anything that cannot say whom a change concerns).</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _revision);
        var previous = Interlocked.Exchange(ref _generation, new CancellationTokenSource());
        previous.Cancel();
        previous.Dispose();
    }

    /// <summary>Drops one user's entry (a person whose invitation was just bound: they were cached as nobody).</summary>
    public void Forget(Guid entraTenantId, Guid entraObjectId)
    {
        var key = new Key(entraTenantId, entraObjectId);
        Interlocked.Increment(ref _revision);
        cache.Remove(key);
        _entries.TryRemove(key, out _);
    }

    /// <summary>
    /// Drops the entries of the people <paramref name="change"/> concerns: the users it names, anyone whose cached access
    /// goes through an organisation it names (a member, or an MSP's people managing a tenant it names), anyone signing in
    /// from an Entra tenant it names. A load running meanwhile is not kept. Returns the Portal users whose entries went.
    /// </summary>
    public IReadOnlyCollection<Guid> Revoke(Pipeline.Commit.AccessChange change)
    {
        Interlocked.Increment(ref _revision); // first: a load that read before this point is not kept
        var users = new HashSet<Guid>(change.UserIds);
        var organisations = change.OrganisationIds as IReadOnlySet<Guid> ?? change.OrganisationIds.ToHashSet();
        foreach (var (key, entry) in _entries)
        {
            var concerned = entry.UserId is { } id && users.Contains(id)
                            || change.EntraTenantIds.Contains(key.EntraTenantId)
                            || entry.Access is { } access && (access.Memberships.Any(m => organisations.Contains(m.OrganisationId)) || access.Tenants.Keys.Any(organisations.Contains));
            if (!concerned) continue;
            cache.Remove(key);
            _entries.TryRemove(new KeyValuePair<Key, Entry>(key, entry));
            if (entry.UserId is { } userId) users.Add(userId);
        }
        return users;
    }

    public void Dispose() => _generation.Dispose();

    private async Task<Loaded> LoadAndStoreAsync(Key key)
    {
        // Taken before reading: if access changes (a revocation, Invalidate) while this load runs, what it read is never kept.
        var revision = Interlocked.Read(ref _revision);
        var generation = _generation.Token;
        var loadedAt = clock.GetUtcNow();
        // Shared by every reader waiting for it: none of their cancellations may cut it short.
        var (access, userId) = await LoadAsync(key.EntraTenantId, key.EntraObjectId, CancellationToken.None);
        var stored = new Entry(access, userId, loadedAt);
        using (var entry = cache.CreateEntry(key))
        {
            entry.Value = stored;
            entry.AbsoluteExpirationRelativeToNow = Lifetime;
            entry.AddExpirationToken(new Microsoft.Extensions.Primitives.CancellationChangeToken(generation));
            entry.RegisterPostEvictionCallback((k, v, _, _) => _entries.TryRemove(new KeyValuePair<Key, Entry>((Key)k, (Entry)v!)));
            _entries[key] = stored;
        }
        if (Interlocked.Read(ref _revision) == revision) return new Loaded(access, userId, Outdated: false);
        // A revocation ran meanwhile and may have missed this entry (it was not in the index yet): it goes.
        if (_entries.TryRemove(new KeyValuePair<Key, Entry>(key, stored))) cache.Remove(key);
        return new Loaded(access, userId, Outdated: true);
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

    private async Task<(UserAccess? Access, Guid? UserId)> LoadAsync(Guid tid, Guid oid, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();

        // Microsoft.Identity.Web with "organizations" accepts any Entra tenant: only tenants Portal knows count.
        // A deactivated organisation vouches for nobody: its Entra tenant counts only if another, active one shares it.
        if (!await db.Organisations.AnyAsync(o => o.EntraTenantId == tid && o.DeactivatedAt == null, ct)) return (null, null);

        var user = await db.Users.AsNoTracking().Include(u => u.Memberships)
            .SingleOrDefaultAsync(u => u.EntraTenantId == tid && u.EntraObjectId == oid, ct);
        if (user is null) return (null, null);

        var organisationIds = user.Memberships.Select(m => m.OrganisationId).Distinct().ToList();
        var organisations = await db.Organisations.AsNoTracking().Where(o => organisationIds.Contains(o.Id) && o.DeactivatedAt == null).ToDictionaryAsync(o => o.Id, ct);
        // Memberships of deactivated organisations grant nothing; with none left the user has no access at all.
        var memberships = user.Memberships.Where(m => organisations.ContainsKey(m.OrganisationId))
            .Select(m => new MembershipAccess(m.OrganisationId, organisations[m.OrganisationId].Name, organisations[m.OrganisationId].Kind, m.Role))
            .ToList();

        if (memberships.Count == 0) return (null, user.Id);

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
        return (new UserAccess(user.Id, user.DisplayName, user.Email, memberships, tenants), user.Id);
    }
}
