using Mediator;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Features.CustomerStatus;
using Portal.Features.Incidents;
using Portal.Pipeline;

namespace Portal.Features.Live;

/// <summary>
/// After a commit, tell each tenant's streams what happened: the MSP's full stream gets every entry,
/// the customer stream only customer-visible ones (an internal note never reaches a customer socket),
/// and watchers of the incident get the same on the incident's stream.
/// </summary>
public sealed partial class BroadcastCommittedChanges(
    IHubContext<StatusHub, IStatusClient> hub, PortalDbContext db, CustomerStatusCache statusCache, ILogger<BroadcastCommittedChanges> logger)
    : INotificationHandler<ChangesCommitted>
{
    public async ValueTask Handle(ChangesCommitted notification, CancellationToken cancellationToken)
    {
        // Before anyone is told: a client that refetches on this event must get the new state.
        foreach (var tenantId in notification.TenantIds) await statusCache.InvalidateAsync(tenantId);

        try
        {
            var incidents = await IncidentsAfterChangeAsync(notification, cancellationToken);
            foreach (var change in notification.Changes)
            {
                foreach (var (entry, sequence, customerSequence) in change.Entries)
                {
                    var incident = LiveIncident.From(incidents[entry.IncidentId]);
                    var full = new LiveIncidentEvent(LiveStreams.Tenant(change.TenantId), sequence, incident, TimelineEntryView.From(entry));
                    await SendAsync(hub.Clients.Group(LiveGroups.TenantFull(change.TenantId)), entry.Kind, full);
                    await SendAsync(hub.Clients.Group(LiveGroups.IncidentFull(entry.IncidentId)), entry.Kind,
                        full with { Stream = LiveStreams.Incident(entry.IncidentId), Sequence = entry.Sequence });

                    if (customerSequence is { } customerStreamSequence && entry.CustomerSequence is { } incidentCustomerSequence)
                    {
                        var customer = new LiveIncidentEvent(LiveStreams.Tenant(change.TenantId), customerStreamSequence, incident, TimelineEntryView.ForCustomer(entry));
                        await SendAsync(hub.Clients.Group(LiveGroups.TenantCustomer(change.TenantId)), entry.Kind, customer);
                        await SendAsync(hub.Clients.Group(LiveGroups.IncidentCustomer(entry.IncidentId)), entry.Kind,
                            customer with { Stream = LiveStreams.Incident(entry.IncidentId), Sequence = incidentCustomerSequence });
                    }
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The change is committed; a lost push is recovered by the clients' gap detection and refetch.
            LogBroadcastFailed(logger, e, string.Join(", ", notification.TenantIds));
        }
    }

    private async Task<Dictionary<Guid, Incident>> IncidentsAfterChangeAsync(ChangesCommitted notification, CancellationToken ct)
    {
        var ids = notification.Changes.SelectMany(c => c.Entries).Select(e => e.Entry.IncidentId).Distinct().ToList();
        // The command's own tracked instances hold the saved state (version included): usually no query at all.
        var incidents = db.Incidents.Local.Where(i => ids.Contains(i.Id)).ToDictionary(i => i.Id);
        var missing = ids.Where(id => !incidents.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            foreach (var incident in await db.Incidents.AsNoTracking().Where(i => missing.Contains(i.Id)).ToListAsync(ct)) incidents[incident.Id] = incident;
        }
        return incidents;
    }

    private static Task SendAsync(IStatusClient clients, TimelineEntryKind kind, LiveIncidentEvent e) => kind switch
    {
        TimelineEntryKind.Opened => clients.IncidentCreated(e),
        TimelineEntryKind.Assigned => clients.IncidentAssigned(e),
        TimelineEntryKind.Note or TimelineEntryKind.CustomerComment => clients.TimelineEntryAdded(e),
        _ => clients.IncidentChanged(e),
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live broadcast after commit failed for tenants {Tenants}; clients will refetch on the next sequence gap")]
    private static partial void LogBroadcastFailed(ILogger logger, Exception exception, string tenants);
}
