namespace Portal.Features.Live;

/// <summary>What the status hub can push. Clients subscribe to these method names.</summary>
public interface IStatusClient
{
    Task IncidentCreated(LiveIncidentEvent e);
    Task IncidentChanged(LiveIncidentEvent e);
    Task IncidentAssigned(LiveIncidentEvent e);
    Task TimelineEntryAdded(LiveIncidentEvent e);

    /// <summary>Coalesced snapshots (latest value, a few per second at most): no sequence number, a missed one is superseded by the next.</summary>
    Task TaskProgress(LiveProgressEvent e);

    /// <summary>A device import's progress (coalesced like <see cref="TaskProgress"/>): MSP only, never sent to a customer group.</summary>
    Task ImportProgress(LiveImportProgressEvent e);

    Task AdvisoryPublished(LiveNotice e);
    Task AdvisoryUpdated(LiveNotice e);

    /// <summary>To a provider: an advisory's reach or recovery changed (coalesced; no sequence, no tenant): recount.</summary>
    Task AdvisoryImpactChanged(LiveAdvisoryImpact e);
    Task EscalationRaised(LiveNotice e);
}
