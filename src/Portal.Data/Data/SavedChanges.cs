using Portal.Domain;

namespace Portal.Data;

/// <summary>What a context saved in one unit of work; see <see cref="PortalDbContext.TakeSavedChanges"/>.</summary>
public sealed record SavedChanges(IReadOnlyList<TimelineEntry> TimelineEntries, IReadOnlyCollection<Incident> Incidents, IReadOnlyCollection<RemediationProgress> Progress)
{
    /// <summary>Device imports added or moved on (a batch, the end): their progress is told to the MSP after the commit.</summary>
    public IReadOnlyCollection<DeviceImport> Imports { get; init; } = [];

    /// <summary>Advisories published or updated (and targets dropped): the targeted tenants and the provider are told after the commit.</summary>
    public IReadOnlyCollection<SavedAdvisory> Advisories { get; init; } = [];

    /// <summary>Advisories whose reach changed (a target added, removed or acknowledged; a linked incident saved).</summary>
    public IReadOnlyCollection<Guid> TouchedAdvisoryIds { get; init; } = [];

    /// <summary>Memberships, contracts, organisations or users whose change may take access away from someone; null when none.</summary>
    public SavedAccessChange? Access { get; init; }
}

/// <summary>
/// An advisory as a unit of work left it: what to announce, to which tenants, and which tenants it no longer targets.
/// <see cref="UpdatedAt"/> is when its content last changed: the notice's time, by which a browser tells one announcement from the next.
/// </summary>
public sealed record SavedAdvisory(Guid Id, Guid ProviderId, string Title, AdvisoryStatus Status, AdvisoryAnnouncement Announcement, DateTimeOffset UpdatedAt,
    IReadOnlyList<Guid> TargetTenantIds, IReadOnlyList<Guid> DroppedTenantIds)
{
    /// <summary>Targets a subscription of theirs added in this unit of work (Advisory.NewTargetsBySubscription).</summary>
    public IReadOnlyList<Guid> NewTargetTenantIds { get; init; } = [];
}
