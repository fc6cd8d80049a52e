using Microsoft.Extensions.Caching.Memory;
using Portal.Infrastructure.Telemetry;
using Portal.Pipeline;

namespace Portal.Features.Incidents;

/// <summary>
/// An incident as its customers see it (<see cref="CustomerIncidentSnapshot"/>), built once per change and shared by everyone of
/// the tenant who has its page open. In an outage the customers of a large tenant open the incident the status page links to
/// and keep it open; after each change every one of those pages refetched, and each refetch read the incident, its timeline and
/// its progress again (six database commands and a page's rendering per person). Holds nothing of any person: who may read the
/// incident is checked for each request before the cache is asked (the access check of <see cref="GetCustomerIncident"/>).
/// Dropped after every committed change of the incident on this instance (<see cref="RefreshIncidentViewsAfterCommit"/>); a change
/// made on another instance is caught by the sequence a live page asks for, and bounded by <see cref="Lifetime"/> for everyone else.
/// The tenants of the incidents it built views of stay known a while longer (<see cref="IKnownIncidentTenants"/>): the access check
/// of the crowd's requests then reads nothing either.
/// </summary>
public sealed class CustomerIncidentCache(PortalMetrics? metrics = null) : IKnownIncidentTenants, IDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(15);

    /// <summary>How long the tenant of an incident nobody has asked for stays known (it never changes; this only bounds the memory).</summary>
    public static readonly TimeSpan TenantKnownFor = TimeSpan.FromMinutes(10);

    private readonly MemoryCache _views = new(new MemoryCacheOptions());
    private readonly MemoryCache _tenants = new(new MemoryCacheOptions());
    private readonly Lock _gate = new(); // around a view's replacement: a miss, a change, a rebuild

    public bool TryGetTenant(Guid incidentId, out Guid tenantId) => _tenants.TryGetValue(incidentId, out tenantId);

    /// <summary>
    /// The incident's view: the one built or being built, or a new build. Readers that arrive while a build runs share it (one
    /// database read for the crowd that refetches after a change); a failed build is not kept.
    /// </summary>
    /// <param name="atLeastSequence">From a live page: the last customer event number it saw on the incident's stream; a view
    /// built before that event is dropped and built again.</param>
    public async Task<CustomerIncidentSnapshot> GetAsync(Guid incidentId, long? atLeastSequence, Func<Task<CustomerIncidentSnapshot>> build)
    {
        var entry = Entry(incidentId, build);
        var snapshot = await AwaitAsync(incidentId, entry);
        if (atLeastSequence is not { } wanted || snapshot.CustomerSequence >= wanted) return snapshot;
        // A change this instance was not told of (made on another): build again, once (the readers that found the same old view
        // drop it only if nobody has replaced it yet), and give that to whoever asks next.
        RemoveIfCurrent(incidentId, entry);
        return await AwaitAsync(incidentId, Entry(incidentId, build));
    }

    public void Dispose()
    {
        _views.Dispose();
        _tenants.Dispose();
    }

    /// <summary>A change of the incident committed: drop its view, and let no reader arriving from now on take a build begun before.</summary>
    public void Invalidate(Guid incidentId)
    {
        lock (_gate) _views.Remove(incidentId);
    }

    private Lazy<Task<CustomerIncidentSnapshot>> Entry(Guid incidentId, Func<Task<CustomerIncidentSnapshot>> build)
    {
        if (_views.TryGetValue(incidentId, out Lazy<Task<CustomerIncidentSnapshot>>? existing) && existing is not null) return existing;
        lock (_gate) // a moment, on a miss only: one build for the readers that miss together
        {
            if (_views.TryGetValue(incidentId, out existing) && existing is not null) return existing;
            var created = new Lazy<Task<CustomerIncidentSnapshot>>(async () =>
            {
                var built = await build();
                metrics?.IncidentViewBuilt();
                _tenants.Set(incidentId, built.Incident.TenantId, new MemoryCacheEntryOptions { SlidingExpiration = TenantKnownFor });
                return built;
            });
            return _views.Set(incidentId, created, Lifetime);
        }
    }

    private async Task<CustomerIncidentSnapshot> AwaitAsync(Guid incidentId, Lazy<Task<CustomerIncidentSnapshot>> entry)
    {
        try
        {
            return await entry.Value;
        }
        catch
        {
            RemoveIfCurrent(incidentId, entry);
            throw;
        }
    }

    private void RemoveIfCurrent(Guid incidentId, Lazy<Task<CustomerIncidentSnapshot>> entry)
    {
        lock (_gate)
        {
            if (_views.TryGetValue(incidentId, out Lazy<Task<CustomerIncidentSnapshot>>? current) && ReferenceEquals(current, entry)) _views.Remove(incidentId);
        }
    }
}
