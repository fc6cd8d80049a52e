using System.Diagnostics.Metrics;

namespace Portal.Infrastructure.Telemetry;

/// <summary>
/// Portal's own instruments, on the meter <see cref="MeterName"/> (exported with the ASP.NET Core, EF Core,
/// HttpClient and SignalR ones). A singleton: counters are thread-safe and the tag lists callers pass are cached.
/// </summary>
public sealed class PortalMetrics
{
    public const string MeterName = "Portal";
    public const string MessageTypeTag = "portal.message.type";
    public const string OutcomeTag = "portal.outcome";
    public const string LiveKindTag = "portal.live.kind";

    private readonly Counter<long> _commands;
    private readonly Counter<long> _liveEvents;
    private readonly Counter<long> _statusCacheHits;
    private readonly Counter<long> _statusCacheMisses;
    private readonly Counter<long> _incidentViewBuilds;
    private readonly Histogram<double> _revocationLag;
    private readonly Histogram<double> _liveRevalidation;

    public PortalMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _commands = meter.CreateCounter<long>("portal.commands", "{message}",
            "Commands and queries handled, by message type and outcome (ok, invalid, not_found, forbidden, conflict, cancelled, error).");
        _liveEvents = meter.CreateCounter<long>("portal.live.events", "{event}", "Live events sent to hub groups, by kind.");
        _statusCacheHits = meter.CreateCounter<long>("portal.status_cache.hits", "{lookup}", "Customer status reads answered from the snapshot cache.");
        _statusCacheMisses = meter.CreateCounter<long>("portal.status_cache.misses", "{lookup}", "Customer status reads that found no live snapshot.");
        _incidentViewBuilds = meter.CreateCounter<long>("portal.incident_view_cache.builds", "{build}",
            "Builds of an incident's shared customer view: one per change of an incident customers have open, however many refetch it.");
        _revocationLag = meter.CreateHistogram<double>("portal.revocation.lag", "ms",
            "From the commit of an access change to its revocation applied on this instance (caches dropped, connections re-decided), by origin (local: the committing instance; remote: carried over Redis).");
        _liveRevalidation = meter.CreateHistogram<double>("portal.live.revalidation.duration", "s",
            "One periodic pass re-deciding the groups of every live connection of this instance from its user's access (every 30 s). It grows with the distinct users connected: the pass first reads again the access of every one not read within 20 s, four queries per 200 users.");
    }

    /// <summary>One command or query finished; <paramref name="tags"/> is a cached (message type, outcome) pair.</summary>
    public void MessageHandled(ReadOnlySpan<KeyValuePair<string, object?>> tags) => _commands.Add(1, tags);

    /// <summary>Live events of one kind went out: one per payload sent (to however many groups and connections).</summary>
    public void LiveEventSent(string kind, int count = 1) => _liveEvents.Add(count, new KeyValuePair<string, object?>(LiveKindTag, kind));

    public void RevocationApplied(double milliseconds, bool local) =>
        _revocationLag.Record(Math.Max(0, milliseconds), new KeyValuePair<string, object?>("portal.revocation.origin", local ? "local" : "remote"));

    public void LiveConnectionsRevalidated(TimeSpan took) => _liveRevalidation.Record(took.TotalSeconds);

    public void StatusCacheHit() => _statusCacheHits.Add(1);

    public void StatusCacheMiss() => _statusCacheMisses.Add(1);

    public void IncidentViewBuilt() => _incidentViewBuilds.Add(1);
}
