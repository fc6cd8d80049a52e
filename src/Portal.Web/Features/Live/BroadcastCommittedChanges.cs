using Microsoft.AspNetCore.SignalR;
using Portal.Domain;
using Portal.Features.Incidents;
using Portal.Infrastructure.Telemetry;
using Portal.Pipeline.Commit;

namespace Portal.Features.Live;

/// <summary>
/// After a commit, tell each tenant's streams what happened (<see cref="CommitStage.TellClients"/>, after the read
/// caches dropped their old state): the MSP's full stream gets every entry, the customer stream only
/// customer-visible ones (an internal note never reaches a customer socket), and watchers of the incident get
/// the same on the incident's stream. Remediation counters that changed go out as coalesced <c>TaskProgress</c>
/// events (customer-visible: how many devices are back). Everything sent comes from the committed record.
/// </summary>
public sealed class BroadcastCommittedChanges(IHubContext<StatusHub, IStatusClient> hub, LivePublisher publisher, PortalMetrics metrics) : ICommitReaction
{
    public CommitStage Stage => CommitStage.TellClients;

    public async ValueTask OnCommittedAsync(CommittedChanges changes, CancellationToken cancellationToken)
    {
        // A push lost here is recovered by the clients: they see a gap in the sequence numbers and refetch.
        foreach (var change in changes.Tenants)
        {
            foreach (var (entry, committedIncident, sequence, customerSequence) in change.Entries)
            {
                var incident = LiveIncident.From(committedIncident);
                var full = new LiveIncidentEvent(LiveStreams.Tenant(change.TenantId), sequence, incident, TimelineEntryView.From(entry));
                await SendAsync(hub.Clients.Group(LiveGroups.TenantFull(change.TenantId)), entry.Kind, full);
                await SendAsync(hub.Clients.Group(LiveGroups.IncidentFull(entry.IncidentId)), entry.Kind,
                    full with { Stream = LiveStreams.Incident(entry.IncidentId), Sequence = entry.Sequence });
                var sent = 2;

                if (customerSequence is { } customerStreamSequence && entry.CustomerSequence is { } incidentCustomerSequence)
                {
                    var customer = new LiveIncidentEvent(LiveStreams.Tenant(change.TenantId), customerStreamSequence,
                        incident with { Version = IncidentView.CustomerVersion(committedIncident.CustomerTimelineLength) }, TimelineEntryView.ForCustomer(entry));
                    await SendAsync(hub.Clients.Group(LiveGroups.TenantCustomer(change.TenantId)), entry.Kind, customer);
                    await SendAsync(hub.Clients.Group(LiveGroups.IncidentCustomer(entry.IncidentId)), entry.Kind,
                        customer with { Stream = LiveStreams.Incident(entry.IncidentId), Sequence = incidentCustomerSequence });
                    sent += 2;
                }
                metrics.LiveEventSent(entry.Kind.ToString(), sent);
            }
        }

        // However many bulk updates commit per second, each incident's watchers get at most a few events with the latest counts.
        foreach (var progress in changes.Progress)
            publisher.TaskProgress(progress.TenantId, progress.IncidentId, new LiveTaskProgress(progress.Total - progress.NotApplicable, progress.Done, progress.Failed, progress.Blocked));
    }

    private static Task SendAsync(IStatusClient clients, TimelineEntryKind kind, LiveIncidentEvent e) => kind switch
    {
        TimelineEntryKind.Opened => clients.IncidentCreated(e),
        TimelineEntryKind.Assigned => clients.IncidentAssigned(e),
        TimelineEntryKind.Note or TimelineEntryKind.CustomerComment or TimelineEntryKind.Remediation or TimelineEntryKind.Advisory => clients.TimelineEntryAdded(e),
        _ => clients.IncidentChanged(e),
    };
}
