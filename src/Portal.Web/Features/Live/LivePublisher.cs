using Microsoft.AspNetCore.SignalR;
using Portal.Data;
using Portal.Infrastructure.Telemetry;
using Portal.Pipeline.Commit;

namespace Portal.Features.Live;

/// <summary>
/// The live events other capabilities raise outside the incident commands: task progress (coalesced),
/// advisories published/updated, escalations raised. Call them after your change has committed.
/// </summary>
public sealed partial class LivePublisher : IDisposable
{
    /// <summary>At most one progress event per incident (or import) in this period (4 a second), always the latest value.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>At most one "reach changed" notice per advisory in this period: each one makes the provider's dashboard recount.</summary>
    public static readonly TimeSpan ImpactInterval = TimeSpan.FromSeconds(1);

    private readonly IHubContext<StatusHub, IStatusClient> _hub;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _clock;
    private readonly ILogger<LivePublisher> _logger;
    private readonly PortalMetrics _metrics;
    private readonly LatestValueCoalescer<Guid, (Guid TenantId, LiveTaskProgress Progress)> _progress;
    private readonly LatestValueCoalescer<Guid, (Guid TenantId, LiveImportProgress Progress)> _imports;
    private readonly LatestValueCoalescer<Guid, Guid> _impacts;
    private readonly ITimer _sweeper;

    public LivePublisher(IHubContext<StatusHub, IStatusClient> hub, IServiceScopeFactory scopes, TimeProvider clock, ILogger<LivePublisher> logger, PortalMetrics metrics)
    {
        _metrics = metrics;
        _hub = hub;
        _scopes = scopes;
        _clock = clock;
        _logger = logger;
        _progress = new(ProgressInterval, clock, SendTaskProgressAsync);
        _imports = new(ProgressInterval, clock, SendImportProgressAsync);
        _impacts = new(ImpactInterval, clock, SendAdvisoryImpactAsync);
        _sweeper = clock.CreateTimer(_ => SweepIdleSlots(), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    /// <summary>
    /// Report an incident's task progress. However fast this is called, clients of the tenant and watchers of
    /// the incident get at most one event per <see cref="ProgressInterval"/>, and the last value always arrives.
    /// </summary>
    public void TaskProgress(Guid tenantId, Guid incidentId, LiveTaskProgress progress) => _progress.Post(incidentId, (tenantId, progress));

    private async Task SendTaskProgressAsync(Guid incidentId, (Guid TenantId, LiveTaskProgress Progress) latest, DateTimeOffset now)
    {
        var tenantEvent = new LiveProgressEvent(LiveStreams.Tenant(latest.TenantId), incidentId, latest.Progress, now);
        var incidentEvent = tenantEvent with { Stream = LiveStreams.Incident(incidentId) };
        try
        {
            // Progress (how many devices are fixed) is customer-visible by design.
            await _hub.Clients.Groups(LiveGroups.TenantFull(latest.TenantId), LiveGroups.TenantCustomer(latest.TenantId)).TaskProgress(tenantEvent);
            await _hub.Clients.Groups(LiveGroups.IncidentFull(incidentId), LiveGroups.IncidentCustomer(incidentId)).TaskProgress(incidentEvent);
            _metrics.LiveEventSent("TaskProgress", 2);
        }
        catch (Exception e)
        {
            LogSendFailed(_logger, e, "TaskProgress");
        }
    }

    /// <summary>
    /// Report a device import's progress to its tenant's MSP group only (an import is MSP work; customers see the task
    /// progress it causes, through <see cref="TaskProgress"/>). Coalesced per import like task progress: at most one event
    /// per <see cref="ProgressInterval"/>, and the last value (Completed, Failed or Cancelled) always arrives.
    /// </summary>
    public void ImportProgress(Guid tenantId, LiveImportProgress progress) => _imports.Post(progress.ImportId, (tenantId, progress));

    private async Task SendImportProgressAsync(Guid importId, (Guid TenantId, LiveImportProgress Progress) latest, DateTimeOffset now)
    {
        try
        {
            await _hub.Clients.Group(LiveGroups.TenantFull(latest.TenantId)).ImportProgress(new LiveImportProgressEvent(LiveStreams.Tenant(latest.TenantId), latest.Progress, now));
            _metrics.LiveEventSent("ImportProgress", 1);
        }
        catch (Exception e)
        {
            LogSendFailed(_logger, e, "ImportProgress");
        }
        if (latest.Progress.IsFinished) _imports.Forget(importId);
    }

    /// <summary>
    /// The reach or recovery of an advisory changed (a target acknowledged, a linked incident opened or resolved, devices
    /// fixed): its provider's dashboard recounts. Only the advisory's id goes out, to the provider's group, at most once per
    /// <see cref="ImpactInterval"/>; the counts are read through the provider's own query (numbers only).
    /// </summary>
    public void AdvisoryImpactChanged(Guid providerId, Guid advisoryId) => _impacts.Post(advisoryId, providerId);

    private async Task SendAdvisoryImpactAsync(Guid advisoryId, Guid providerId, DateTimeOffset now)
    {
        try
        {
            await _hub.Clients.Group(LiveGroups.Provider(providerId)).AdvisoryImpactChanged(new LiveAdvisoryImpact(LiveStreams.Provider(providerId), advisoryId, now));
            _metrics.LiveEventSent("AdvisoryImpactChanged", 1);
        }
        catch (Exception e)
        {
            LogSendFailed(_logger, e, "AdvisoryImpactChanged");
        }
    }

    private void SweepIdleSlots()
    {
        var idleSince = _clock.GetUtcNow() - TimeSpan.FromMinutes(1);
        _progress.SweepIdle(idleSince);
        _imports.SweepIdle(idleSince);
        _impacts.SweepIdle(idleSince);
    }

    /// <summary>
    /// An advisory published or updated, as committed and numbered (<see cref="CommittedAdvisory"/>): the provider's stream, and
    /// the full and customer streams of each targeted tenant. The notice names the advisory, never a tenant.
    /// </summary>
    public async Task AdvisoryAsync(CommittedAdvisory advisory)
    {
        if (advisory.Kind == Portal.Domain.AdvisoryAnnouncement.None) return;
        var kind = advisory.Kind == Portal.Domain.AdvisoryAnnouncement.Published ? "AdvisoryPublished" : "AdvisoryUpdated";
        // The advisory's own time, not the send's: a page that opens later says the same announcement with the same time
        // (ListPendingAlerts), and live.js tells announcements apart by it.
        var at = advisory.UpdatedAt;
        await Send(_hub.Clients.Group(LiveGroups.Provider(advisory.ProviderId)),
            new LiveNotice(LiveStreams.Provider(advisory.ProviderId), advisory.ProviderSequence, kind, advisory.Id, null, advisory.Title, at));
        foreach (var tenant in advisory.Tenants)
        {
            var notice = new LiveNotice(LiveStreams.Tenant(tenant.TenantId), tenant.Sequence, kind, advisory.Id, null, advisory.Title, at);
            await Send(_hub.Clients.Group(LiveGroups.TenantFull(tenant.TenantId)), notice);
            await Send(_hub.Clients.Group(LiveGroups.TenantCustomer(tenant.TenantId)), notice with { Sequence = tenant.CustomerSequence });
        }

        Task Send(IStatusClient clients, LiveNotice notice) => kind == "AdvisoryPublished" ? clients.AdvisoryPublished(notice) : clients.AdvisoryUpdated(notice);
    }

    /// <summary>An escalation fired: the MSP's stream and the tenant's full stream (MSP-internal, never the customer's).</summary>
    public async Task EscalationRaisedAsync(Guid mspId, Guid tenantId, Guid incidentId, Guid escalationId, string title, CancellationToken ct)
    {
        await using var scope = SystemScope(out var db);
        var now = _clock.GetUtcNow();
        var (mspSequence, _) = await StreamSequences.NextAsync(db, mspId, customerVisible: false, ct);
        await _hub.Clients.Group(LiveGroups.Msp(mspId)).EscalationRaised(new LiveNotice(LiveStreams.Msp(mspId), mspSequence, "EscalationRaised", escalationId, incidentId, title, now));
        var (tenantSequence, _) = await StreamSequences.NextAsync(db, tenantId, customerVisible: false, ct);
        await _hub.Clients.Group(LiveGroups.TenantFull(tenantId)).EscalationRaised(new LiveNotice(LiveStreams.Tenant(tenantId), tenantSequence, "EscalationRaised", escalationId, incidentId, title, now));
    }

    private AsyncServiceScope SystemScope(out PortalDbContext db)
    {
        var scope = _scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        return scope;
    }

    public void Dispose() => _sweeper.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live {Event} could not be sent")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string @event);
}
