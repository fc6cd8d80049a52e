using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Portal.Data;
using Portal.Pipeline.Commit;
using Portal.Infrastructure.Telemetry;

namespace Portal.Features.Live;

/// <summary>
/// The live events other capabilities raise outside the incident commands: task progress (coalesced),
/// advisories published/updated, escalations raised. Call them after your change has committed.
/// </summary>
public sealed partial class LivePublisher : IDisposable
{
    /// <summary>At most one progress event per incident in this period (4 a second), always the latest value.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    private readonly IHubContext<StatusHub, IStatusClient> _hub;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _clock;
    private readonly ILogger<LivePublisher> _logger;
    private readonly PortalMetrics _metrics;
    private readonly ConcurrentDictionary<Guid, ProgressSlot> _progress = new();
    private readonly ConcurrentDictionary<Guid, ImportSlot> _imports = new();
    private readonly ITimer _sweeper;

    public LivePublisher(IHubContext<StatusHub, IStatusClient> hub, IServiceScopeFactory scopes, TimeProvider clock, ILogger<LivePublisher> logger, PortalMetrics metrics)
    {
        _metrics = metrics;
        _hub = hub;
        _scopes = scopes;
        _clock = clock;
        _logger = logger;
        _sweeper = clock.CreateTimer(_ => SweepIdleSlots(), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    private sealed class ProgressSlot(Guid tenantId, Guid incidentId)
    {
        public Guid TenantId { get; } = tenantId;
        public Guid IncidentId { get; } = incidentId;
        public LiveTaskProgress? Latest { get; set; }
        public DateTimeOffset LastSentAt { get; set; } = DateTimeOffset.MinValue;
        public bool FlushPending { get; set; }
    }

    /// <summary>
    /// Report an incident's task progress. However fast this is called, clients of the tenant and watchers of
    /// the incident get at most one event per <see cref="ProgressInterval"/>, and the last value always arrives.
    /// </summary>
    public void TaskProgress(Guid tenantId, Guid incidentId, LiveTaskProgress progress)
    {
        var slot = _progress.GetOrAdd(incidentId, id => new ProgressSlot(tenantId, id));
        TimeSpan wait;
        lock (slot)
        {
            slot.Latest = progress;
            if (slot.FlushPending) return; // the pending flush will carry this value
            slot.FlushPending = true;
            wait = slot.LastSentAt + ProgressInterval - _clock.GetUtcNow();
        }
        if (wait <= TimeSpan.Zero) _ = FlushAsync(slot);
        else _ = Task.Delay(wait, _clock).ContinueWith(_ => FlushAsync(slot), TaskScheduler.Default).Unwrap();
    }

    private async Task FlushAsync(ProgressSlot slot)
    {
        LiveTaskProgress progress;
        DateTimeOffset now;
        lock (slot)
        {
            progress = slot.Latest!;
            now = _clock.GetUtcNow();
            slot.LastSentAt = now;
            slot.FlushPending = false;
        }
        var tenantEvent = new LiveProgressEvent(LiveStreams.Tenant(slot.TenantId), slot.IncidentId, progress, now);
        var incidentEvent = tenantEvent with { Stream = LiveStreams.Incident(slot.IncidentId) };
        try
        {
            // Progress (how many devices are fixed) is customer-visible by design.
            await _hub.Clients.Groups(LiveGroups.TenantFull(slot.TenantId), LiveGroups.TenantCustomer(slot.TenantId)).TaskProgress(tenantEvent);
            await _hub.Clients.Groups(LiveGroups.IncidentFull(slot.IncidentId), LiveGroups.IncidentCustomer(slot.IncidentId)).TaskProgress(incidentEvent);
            _metrics.LiveEventSent("TaskProgress", 2);
        }
        catch (Exception e)
        {
            LogSendFailed(_logger, e, "TaskProgress");
        }
    }

    private sealed class ImportSlot(Guid tenantId)
    {
        public Guid TenantId { get; } = tenantId;
        public LiveImportProgress? Latest { get; set; }
        public DateTimeOffset LastSentAt { get; set; } = DateTimeOffset.MinValue;
        public bool FlushPending { get; set; }
    }

    /// <summary>
    /// Report a device import's progress to its tenant's MSP group only (an import is MSP work; customers see the task
    /// progress it causes, through <see cref="TaskProgress"/>). Coalesced per import like task progress: at most one event
    /// per <see cref="ProgressInterval"/>, and the last value (Completed or Failed) always arrives.
    /// </summary>
    public void ImportProgress(Guid tenantId, LiveImportProgress progress)
    {
        var slot = _imports.GetOrAdd(progress.ImportId, _ => new ImportSlot(tenantId));
        TimeSpan wait;
        lock (slot)
        {
            slot.Latest = progress;
            if (slot.FlushPending) return;
            slot.FlushPending = true;
            wait = slot.LastSentAt + ProgressInterval - _clock.GetUtcNow();
        }
        if (wait <= TimeSpan.Zero) _ = FlushImportAsync(slot);
        else _ = Task.Delay(wait, _clock).ContinueWith(_ => FlushImportAsync(slot), TaskScheduler.Default).Unwrap();
    }

    private async Task FlushImportAsync(ImportSlot slot)
    {
        LiveImportProgress progress;
        DateTimeOffset now;
        lock (slot)
        {
            progress = slot.Latest!;
            now = _clock.GetUtcNow();
            slot.LastSentAt = now;
            slot.FlushPending = false;
        }
        try
        {
            await _hub.Clients.Group(LiveGroups.TenantFull(slot.TenantId)).ImportProgress(new LiveImportProgressEvent(LiveStreams.Tenant(slot.TenantId), progress, now));
            _metrics.LiveEventSent("ImportProgress", 1);
        }
        catch (Exception e)
        {
            LogSendFailed(_logger, e, "ImportProgress");
        }
        if (progress.IsFinished) _imports.TryRemove(new KeyValuePair<Guid, ImportSlot>(progress.ImportId, slot));
    }

    private void SweepIdleSlots()
    {
        var idleSince = _clock.GetUtcNow() - TimeSpan.FromMinutes(1);
        foreach (var (incidentId, slot) in _progress)
        {
            lock (slot)
            {
                if (!slot.FlushPending && slot.LastSentAt < idleSince) _progress.TryRemove(new KeyValuePair<Guid, ProgressSlot>(incidentId, slot));
            }
        }
    }

    /// <summary>
    /// An advisory published or updated, as committed and numbered (<see cref="CommittedAdvisory"/>): the provider's stream, and
    /// the full and customer streams of each targeted tenant. The notice names the advisory, never a tenant.
    /// </summary>
    public async Task AdvisoryAsync(CommittedAdvisory advisory)
    {
        if (advisory.Kind == Portal.Domain.AdvisoryAnnouncement.None) return;
        var kind = advisory.Kind == Portal.Domain.AdvisoryAnnouncement.Published ? "AdvisoryPublished" : "AdvisoryUpdated";
        var now = _clock.GetUtcNow();
        await Send(_hub.Clients.Group(LiveGroups.Provider(advisory.ProviderId)),
            new LiveNotice(LiveStreams.Provider(advisory.ProviderId), advisory.ProviderSequence, kind, advisory.Id, null, advisory.Title, now));
        foreach (var tenant in advisory.Tenants)
        {
            var notice = new LiveNotice(LiveStreams.Tenant(tenant.TenantId), tenant.Sequence, kind, advisory.Id, null, advisory.Title, now);
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
