using Microsoft.Extensions.Caching.Memory;
using Portal.Infrastructure.Caching;
using Portal.Infrastructure.Telemetry;
using Portal.Pipeline;

namespace Portal.Features.Incidents;

/// <summary>
/// An incident as its customers see it (<see cref="CustomerIncidentSnapshot"/>), built once per change and shared by everyone of
/// the tenant who has its page open (<see cref="SharedViews{TKey,TView}"/>). In an outage the customers of a large tenant open the
/// incident the status page links to and keep it open; after each change every one of those pages refetched, and each refetch
/// read the incident, its timeline and its progress again (six database commands and a page's rendering per person).
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

    private readonly SharedViews<Guid, CustomerIncidentSnapshot> _views = new(Lifetime);
    private readonly MemoryCache _tenants = new(new MemoryCacheOptions());

    public bool TryGetTenant(Guid incidentId, out Guid tenantId) => _tenants.TryGetValue(incidentId, out tenantId);

    /// <param name="atLeastSequence">From a live page: the last customer event number it saw on the incident's stream.</param>
    /// <param name="latestSequence">Reads the incident's last customer event number, asked only when a reader has seen a later
    /// one than the view holds: the view is dropped and built again only if such an event exists (made on another instance), so
    /// a made-up number costs one small read, not a rebuild for everyone.</param>
    public Task<CustomerIncidentSnapshot> GetAsync(Guid incidentId, long? atLeastSequence, Func<Task<long>> latestSequence,
        Func<Task<CustomerIncidentSnapshot>> build) =>
        _views.GetAsync(incidentId, atLeastSequence is not { } wanted ? null : async view =>
            view.CustomerSequence >= wanted || await latestSequence() <= view.CustomerSequence, async () =>
        {
            var built = await build();
            metrics?.IncidentViewBuilt();
            _tenants.Set(incidentId, built.Incident.TenantId, new MemoryCacheEntryOptions { SlidingExpiration = TenantKnownFor });
            return built;
        });

    /// <summary>A change of the incident committed: drop its view.</summary>
    public void Invalidate(Guid incidentId) => _views.Invalidate(incidentId);

    public void Dispose()
    {
        _views.Dispose();
        _tenants.Dispose();
    }
}
