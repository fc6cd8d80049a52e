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
/// page each rebuilt the same user with five queries (a load is four queries now, however many users it reads: <see cref="RefreshAsync"/>).
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

    /// <summary>Users per batched read (<see cref="RefreshAsync"/>): four queries read the access of this many.</summary>
    public const int ReadBatchSize = 200;

    /// <summary>
    /// Reads again, in batches of <see cref="ReadBatchSize"/>, the access of every one of <paramref name="identities"/> whose entry
    /// is missing or older than <see cref="RefreshAfter"/>, and caches it as a reader's load would: the same rules, and a batch
    /// read while access changed is not kept (a reader then loads that user alone). The periodic re-decision of the live
    /// connections asks this first, so it costs a few queries per couple of hundred users instead of five per user.
    /// </summary>
    public async Task RefreshAsync(IEnumerable<(Guid EntraTenantId, Guid EntraObjectId)> identities, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = identities.Select(i => new Key(i.EntraTenantId, i.EntraObjectId)).Distinct()
            .Where(key => !cache.TryGetValue(key, out Entry? entry) || now - entry!.LoadedAt >= RefreshAfter)
            .ToList();
        foreach (var batch in due.Chunk(ReadBatchSize)) await ReadAndStoreAsync(batch, ct);
    }

    private async Task<Loaded> LoadAndStoreAsync(Key key)
    {
        // Shared by every reader waiting for it: none of their cancellations may cut it short. One user is a batch of one.
        var (read, outdated) = await ReadAndStoreAsync([key], CancellationToken.None);
        var (access, userId) = read[key];
        return new Loaded(access, userId, outdated);
    }

    /// <summary>Reads <paramref name="keys"/> and caches what it read, unless access changed meanwhile (then it says so: outdated).</summary>
    private async Task<(Dictionary<Key, (UserAccess? Access, Guid? UserId)> Read, bool Outdated)> ReadAndStoreAsync(IReadOnlyCollection<Key> keys, CancellationToken ct)
    {
        // Taken before reading: if access changes (a revocation, Invalidate) while this read runs, what it read is never kept.
        var revision = Interlocked.Read(ref _revision);
        var generation = _generation.Token;
        var loadedAt = clock.GetUtcNow();
        var read = await ReadAsync(keys, ct);
        var stored = keys.Select(key => (Key: key, Entry: Store(key, read[key], loadedAt, generation))).ToList();
        if (Interlocked.Read(ref _revision) == revision) return (read, false);
        // A revocation ran meanwhile and may have missed these entries (they were not in the index yet): they go.
        foreach (var (key, entry) in stored) Drop(key, entry);
        return (read, true);
    }

    private Entry Store(Key key, (UserAccess? Access, Guid? UserId) read, DateTimeOffset loadedAt, CancellationToken generation)
    {
        var stored = new Entry(read.Access, read.UserId, loadedAt);
        using (var entry = cache.CreateEntry(key))
        {
            entry.Value = stored;
            entry.AbsoluteExpirationRelativeToNow = Lifetime;
            entry.AddExpirationToken(new Microsoft.Extensions.Primitives.CancellationChangeToken(generation));
            entry.RegisterPostEvictionCallback((k, v, _, _) => _entries.TryRemove(new KeyValuePair<Key, Entry>((Key)k, (Entry)v!)));
            _entries[key] = stored;
        }
        return stored;
    }

    /// <summary>Removes <paramref name="stored"/> if it is still the entry of <paramref name="key"/> (a newer one stays).</summary>
    private void Drop(Key key, Entry stored)
    {
        if (_entries.TryRemove(new KeyValuePair<Key, Entry>(key, stored))) cache.Remove(key);
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

    /// <summary>
    /// The access of each of <paramref name="keys"/> (null for an identity Portal does not know, or one with no access left) and the
    /// Portal user found, in four queries whatever their number: the Entra tenants Portal knows, the users with their memberships,
    /// the contracts of the organisations they belong to, and every organisation either names.
    /// </summary>
    private async Task<Dictionary<Key, (UserAccess? Access, Guid? UserId)>> ReadAsync(IReadOnlyCollection<Key> keys, CancellationToken ct)
    {
        var answers = keys.ToDictionary(key => key, _ => ((UserAccess?)null, (Guid?)null));
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();

        // Microsoft.Identity.Web with "organizations" accepts any Entra tenant: only tenants Portal knows count.
        // A deactivated organisation vouches for nobody: its Entra tenant counts only if another, active one shares it.
        List<Guid?> tids = [.. keys.Select(key => (Guid?)key.EntraTenantId).Distinct()];
        var knownTids = await db.Organisations.Where(o => tids.Contains(o.EntraTenantId) && o.DeactivatedAt == null)
            .Select(o => o.EntraTenantId!.Value).Distinct().ToListAsync(ct);
        var wanted = keys.Where(key => knownTids.Contains(key.EntraTenantId)).ToHashSet();
        if (wanted.Count == 0) return answers;

        var oids = wanted.Select(key => key.EntraObjectId).Distinct().ToList();
        var users = (await db.Users.AsNoTracking().Include(u => u.Memberships)
                .Where(u => knownTids.Contains(u.EntraTenantId) && oids.Contains(u.EntraObjectId)).ToListAsync(ct))
            .Where(u => wanted.Contains(new Key(u.EntraTenantId, u.EntraObjectId)))
            .ToList();
        var memberOf = users.SelectMany(u => u.Memberships).Select(m => m.OrganisationId).Distinct().ToList();
        // The contracts of every organisation they belong to (only an active MSP's count, below), then every active organisation
        // that a membership or one of those contracts names.
        var contracts = memberOf.Count == 0 ? [] : await db.Contracts.AsNoTracking().Where(c => memberOf.Contains(c.MspId)).ToListAsync(ct);
        var organisationIds = memberOf.Concat(contracts.Select(c => c.CustomerId)).Distinct().ToList();
        var organisations = organisationIds.Count == 0 ? [] : await db.Organisations.AsNoTracking()
            .Where(o => organisationIds.Contains(o.Id) && o.DeactivatedAt == null).ToDictionaryAsync(o => o.Id, ct);

        var now = clock.GetUtcNow();
        var contractsOf = contracts.ToLookup(c => c.MspId);
        foreach (var user in users) answers[new Key(user.EntraTenantId, user.EntraObjectId)] = (AccessOf(user, organisations, contractsOf, now), user.Id);
        return answers;
    }

    /// <summary>One user's access from the rows read for the batch: <paramref name="organisations"/> holds only active ones, <paramref name="contracts"/> are by MSP.</summary>
    private static UserAccess? AccessOf(User user, Dictionary<Guid, Organisation> organisations, ILookup<Guid, MspContract> contracts, DateTimeOffset now)
    {
        // Memberships of deactivated organisations grant nothing; with none left the user has no access at all.
        var memberships = user.Memberships.Where(m => organisations.ContainsKey(m.OrganisationId))
            .Select(m => new MembershipAccess(m.OrganisationId, organisations[m.OrganisationId].Name, organisations[m.OrganisationId].Kind, m.Role))
            .ToList();
        if (memberships.Count == 0) return null;

        // Looked up, not searched: an engineer of an MSP with thousands of customers is read in time linear in them.
        var rolesIn = memberships.ToLookup(m => m.OrganisationId, m => m.Role);
        var managed = memberships.Where(m => m.Kind == OrganisationKind.Msp).Select(m => m.OrganisationId).Distinct()
            .SelectMany(mspId => contracts[mspId]).Where(c => c.IsActiveAt(now)).ToList();
        var managedBy = managed.ToLookup(c => c.CustomerId);

        var customerIds = memberships.Where(m => m.Kind == OrganisationKind.Customer).Select(m => m.OrganisationId)
            .Concat(managed.Select(c => c.CustomerId)).Distinct().ToList();

        var tenants = new Dictionary<Guid, TenantGrant>();
        foreach (var tenantId in customerIds)
        {
            // A deactivated customer tenant is reached by nobody, not even its MSP; its data stays.
            if (!organisations.TryGetValue(tenantId, out var customer)) continue;
            var mspRoles = managedBy[tenantId].SelectMany(c => rolesIn[c.MspId]).Distinct().ToList();
            var ownRoles = rolesIn[tenantId].ToList();
            var access = mspRoles.Count > 0 ? TenantAccess.Msp : TenantAccess.Customer;
            tenants[tenantId] = new TenantGrant(tenantId, customer.Name, customer.IncidentPrefix ?? "", access, [.. mspRoles.Concat(ownRoles).Distinct()]);
        }
        return new UserAccess(user.Id, user.DisplayName, user.Email, memberships, tenants);
    }
}
