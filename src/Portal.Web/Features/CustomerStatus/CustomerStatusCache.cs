using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Telemetry;

namespace Portal.Features.CustomerStatus;

/// <summary>A tenant's status, built once and served as ready JSON bytes until something in the tenant changes.</summary>
public sealed record CustomerStatusSnapshot(CustomerStatusView View, byte[] Json, string ETag);

/// <summary>
/// During an outage every customer refreshes the same page: the status of a tenant is computed at most once
/// per change (dropped after the commit on this instance) and otherwise served from memory. A change made
/// on another instance is caught by the sequence a live client asks for, and bounded by the short lifetime
/// for everyone else (docs/operations.md).
/// </summary>
public sealed class CustomerStatusCache(IOptions<JsonOptions> jsonOptions, IOutputCacheStore pages, TimeProvider clock, PortalMetrics metrics)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<Guid, (CustomerStatusSnapshot Snapshot, DateTimeOffset Expires)> _snapshots = new();
    private readonly JsonSerializerOptions _json = jsonOptions.Value.SerializerOptions;

    /// <summary>
    /// The tenant's snapshot, if it has not expired (it may still be older than a given sequence: the caller checks).
    /// Counted as a hit or a miss (<c>portal.status_cache.hits</c> / <c>.misses</c>), except a <paramref name="recheck"/>
    /// by a reader that already missed once (so hits + misses = reads).
    /// </summary>
    public bool TryGet(Guid tenantId, out CustomerStatusSnapshot snapshot, bool recheck = false)
    {
        if (_snapshots.TryGetValue(tenantId, out var entry) && entry.Expires > clock.GetUtcNow())
        {
            if (!recheck) metrics.StatusCacheHit();
            snapshot = entry.Snapshot;
            return true;
        }
        if (!recheck) metrics.StatusCacheMiss();
        snapshot = null!;
        return false;
    }

    /// <summary>How many invalidations the tenant has had; a rebuild reads it before its query and hands it to <see cref="Store"/>.</summary>
    public long GenerationOf(Guid tenantId) => _generations.GetValueOrDefault(tenantId);

    /// <summary>
    /// Keeps the view unless a change it may not include has committed meanwhile (its sequence is below the one the
    /// last invalidation demanded, or an invalidation came after the rebuild began at <paramref name="generation"/>):
    /// such a view is served only to the reader that built it and to those that arrived before it began (<see cref="RebuildTurn"/>).
    /// </summary>
    public CustomerStatusSnapshot Store(CustomerStatusView view, long generation)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(view, _json);
        var snapshot = new CustomerStatusSnapshot(view, json, $"\"{view.GeneratedAt.UtcTicks:x}\"");
        if (view.Sequence >= _required.GetValueOrDefault(view.TenantId) && generation == GenerationOf(view.TenantId))
            _snapshots[view.TenantId] = (snapshot, clock.GetUtcNow() + Lifetime);
        return snapshot;
    }

    /// <summary>
    /// A customer-visible change committed in the tenant, up to customer stream number <paramref name="sequence"/> (null for a
    /// change outside the stream, such as remediation progress): drop the snapshot and the rendered status pages (before any
    /// client is told of the change), and keep no view whose rebuild began before it.
    /// </summary>
    public async ValueTask InvalidateAsync(Guid tenantId, long? sequence)
    {
        if (sequence is { } s) _required.AddOrUpdate(tenantId, s, (_, required) => Math.Max(required, s));
        _generations.AddOrUpdate(tenantId, 1, (_, g) => g + 1);
        // A reader may already have rebuilt it after the commit: a snapshot that includes the change (by its sequence) stays
        // (no second query). Progress has no sequence, so nothing tells that a snapshot includes it: it goes.
        if (_snapshots.TryGetValue(tenantId, out var entry) && (sequence is not { } required || entry.Snapshot.View.Sequence < required))
            _snapshots.TryRemove(new KeyValuePair<Guid, (CustomerStatusSnapshot, DateTimeOffset)>(tenantId, entry));
        await pages.EvictByTagAsync(StatusPageCachePolicy.Tag(tenantId), CancellationToken.None);
    }

    private readonly ConcurrentDictionary<Guid, long> _required = new();
    private readonly ConcurrentDictionary<Guid, long> _generations = new();

    private readonly ConcurrentDictionary<Guid, TenantRebuilds> _rebuilds = new();

    /// <summary>
    /// One rebuild per tenant at a time; a reader that missed waits its turn. If a rebuild that began after the reader arrived has
    /// finished meanwhile, the reader takes that view (<see cref="RebuildTurn.Finished"/>): it includes everything committed before
    /// the reader came, whether or not the cache kept it. While changes keep coming the cache keeps nothing, and each waiting reader
    /// used to query again, one after another: one writer posting notes non-stop took status reads from about 38,000 a second to
    /// 1,100 (now 4,800), eight writers to 26 (now 870); docs/benchmarks.md, "Status reads under concurrent writes".
    /// </summary>
    public async ValueTask<RebuildTurn> EnterRebuildAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        var rebuilds = _rebuilds.GetOrAdd(tenantId, static _ => new TenantRebuilds());
        var arrivedAfter = Volatile.Read(ref rebuilds.Begun); // rebuilds numbered above this one begin after this reader arrived
        await rebuilds.Gate.WaitAsync(cancellationToken);
        return new RebuildTurn(rebuilds, arrivedAfter);
    }

#pragma warning disable CA1001 // the gate is only awaited (WaitAsync) and never asked for a wait handle: it holds nothing to dispose
    internal sealed class TenantRebuilds
#pragma warning restore CA1001
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        /// <summary>How many rebuilds have begun; each is numbered by this count when it begins.</summary>
        public long Begun;
        /// <summary>The number and view of the last rebuild that finished (written under the gate).</summary>
        public long LastNumber;
        public CustomerStatusSnapshot? Last;
    }

    /// <summary>A reader's turn to rebuild a tenant's status (disposing it lets the next reader in).</summary>
    public sealed class RebuildTurn : IDisposable
    {
        private readonly TenantRebuilds _rebuilds;
        private readonly long _arrivedAfter;
        private long _number;

        internal RebuildTurn(TenantRebuilds rebuilds, long arrivedAfter) => (_rebuilds, _arrivedAfter) = (rebuilds, arrivedAfter);

        /// <summary>The view of a rebuild that began after this reader arrived and has finished, else null.</summary>
        public CustomerStatusSnapshot? Finished => _rebuilds.LastNumber > _arrivedAfter ? _rebuilds.Last : null;

        /// <summary>Call just before reading the database: readers that arrive from now on need a later rebuild.</summary>
        public void Begin() => _number = Interlocked.Increment(ref _rebuilds.Begun);

        /// <summary>This rebuild's view, for the readers that arrived before it began.</summary>
        public void Finish(CustomerStatusSnapshot snapshot)
        {
            if (_number == 0) throw new InvalidOperationException("Finish a rebuild only after Begin.");
            (_rebuilds.Last, _rebuilds.LastNumber) = (snapshot, _number);
        }

        public void Dispose() => _rebuilds.Gate.Release();
    }
}
