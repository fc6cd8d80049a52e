using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Auth;

namespace Portal.Infrastructure.RateLimiting;

/// <summary>
/// The partitioned token buckets every entry point shares: the HTTP pipeline (<see cref="PortalRequestLimiter"/>) and the
/// hub's method calls draw on the same per-user and per-organisation budgets. Partition keys are ids of the user the
/// request already resolved; a bucket is created on a key's first request and dropped by the limiter once idle and full.
/// </summary>
public sealed class PortalRateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<Guid> _users;
    private readonly PartitionedRateLimiter<Guid> _organisations;
    private readonly PartitionedRateLimiter<IPAddress> _addresses;
    private readonly Dictionary<string, PartitionedRateLimiter<Guid>> _tighter;

    public PortalRateLimits(IOptions<RateLimitOptions> options)
    {
        var o = options.Value;
        _users = Partitioned<Guid>(Bucket(o.PerUser));
        _organisations = Partitioned<Guid>(Bucket(o.PerOrganisation));
        _addresses = Partitioned<IPAddress>(Bucket(o.PerAnonymousAddress));
        _tighter = new(StringComparer.Ordinal)
        {
            [RateLimitingSetup.UploadsBudget] = Partitioned<Guid>(Bucket(o.Uploads)),
            [RateLimitingSetup.BulkUpdatesBudget] = Partitioned<Guid>(Bucket(o.BulkUpdates)),
        };
    }

    /// <summary>
    /// One bucket per key. The limiter factory is made once and the partitions built directly: RateLimitPartition.GetTokenBucketLimiter
    /// wraps its factory in a new closure on every lookup, i.e. on every request. Bucket() already turns the per-bucket timer off,
    /// as that helper would (the partitioned limiter replenishes every bucket from one timer).
    /// </summary>
    private static PartitionedRateLimiter<TKey> Partitioned<TKey>(TokenBucketRateLimiterOptions bucket) where TKey : notnull
    {
        Func<TKey, RateLimiter> limiter = _ => new TokenBucketRateLimiter(bucket);
        return PartitionedRateLimiter.Create<TKey, TKey>(key => new RateLimitPartition<TKey>(key, limiter));
    }

    /// <summary>
    /// One permit from the user's bucket, then one from their organisation's. The user's comes first so that a user over
    /// their own limit does not use up their colleagues' share.
    /// </summary>
    public RateLimitLease AcquireFor(UserAccess access)
    {
        var lease = _users.AttemptAcquire(access.UserId);
        if (!lease.IsAcquired) return lease;
        lease.Dispose(); // a token bucket's lease holds nothing: the token is spent
        return _organisations.AttemptAcquire(OrganisationOf(access));
    }

    /// <summary>
    /// One permit of a tighter per-user budget (<see cref="TighterRateLimitAttribute"/>: uploads, bulk updates), the same bucket
    /// whether the user comes through the API or a page's form.
    /// </summary>
    public RateLimitLease AcquireFor(string budget, Guid userId) =>
        _tighter.TryGetValue(budget, out var buckets) ? buckets.AttemptAcquire(userId) : throw new InvalidOperationException($"There is no rate limit budget '{budget}'.");

    /// <summary>A request without a Portal user, by client address (none under the in-memory test server).</summary>
    public RateLimitLease AcquireForAddress(IPAddress? address) => _addresses.AttemptAcquire(address ?? IPAddress.None);

    /// <summary>
    /// The organisation whose budget a user draws on: their first membership (people belong to one organisation; an
    /// integration to its MSP). A user without memberships has no access at all, but still gets a partition of their own.
    /// </summary>
    public static Guid OrganisationOf(UserAccess access) => access.Memberships.Count > 0 ? access.Memberships[0].OrganisationId : access.UserId;

    /// <summary>
    /// Up to <see cref="RateLimit.Burst"/> at once, refilled smoothly: one token per 60/PerMinute seconds for small rates
    /// (a refusal then says to retry in that many seconds), PerMinute/60 per second otherwise. No queue: a refused request
    /// is answered at once. Replenished by the partitioned limiter's own timer, not a timer per bucket.
    /// </summary>
    public static TokenBucketRateLimiterOptions Bucket(RateLimit limit) => new()
    {
        TokenLimit = limit.Burst,
        TokensPerPeriod = limit.PerMinute <= 60 ? 1 : (limit.PerMinute + 59) / 60,
        ReplenishmentPeriod = limit.PerMinute <= 60 ? TimeSpan.FromMinutes(1) / limit.PerMinute : TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = false,
    };

    public void Dispose()
    {
        _users.Dispose();
        _organisations.Dispose();
        _addresses.Dispose();
        foreach (var buckets in _tighter.Values) buckets.Dispose();
    }
}
