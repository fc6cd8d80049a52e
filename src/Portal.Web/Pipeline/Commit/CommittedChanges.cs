using Portal.Domain;

namespace Portal.Pipeline.Commit;

/// <summary>
/// What one command committed, handed to every <see cref="ICommitReaction"/> after the commit: per tenant, the
/// timeline entries it added in order, each with its number on the tenant's live streams and the state of its
/// incident as saved; and the remediation counters it changed, as saved. Everything a reaction needs travels
/// here, so none reads the change tracker or the database again to find out what happened.
/// </summary>
public sealed record CommittedChanges(IReadOnlyList<TenantChange> Tenants, IReadOnlyList<CommittedProgress> Progress)
{
    public static readonly CommittedChanges None = new([], []);

    /// <summary>Device imports the command added or moved on, as saved (MSP-internal: where an import is in its file).</summary>
    public IReadOnlyList<CommittedImport> Imports { get; init; } = [];

    /// <summary>Advisories published or updated, numbered on the provider's stream and each targeted tenant's streams.</summary>
    public IReadOnlyList<CommittedAdvisory> Advisories { get; init; } = [];

    /// <summary>
    /// Advisories whose reach or recovery the command changed (targets, linked incidents, their remediation counters), with
    /// their provider: its dashboard recounts. Ids only: the provider learns that something moved, never what or where.
    /// </summary>
    public IReadOnlyList<AdvisoryImpactChange> AdvisoryImpacts { get; init; } = [];

    /// <summary>Outbox rows (Features/Notifications) the unit of work wrote: their delivery is handed out after the commit.</summary>
    public IReadOnlyList<Guid> Outbox { get; init; } = [];

    /// <summary>Memberships, contracts, organisations or users whose change may take access away; null when the command changed none.</summary>
    public AccessChange? AccessChanged { get; init; }

    /// <summary>This commit's place among the instance's revocations (<see cref="RevocationBarrier"/>); 0 without an access change.</summary>
    public long RevocationTicket { get; init; }

    /// <summary>The last revocation this instance committed up to this change: later stages wait until it is applied everywhere.</summary>
    public long RevocationsBefore { get; init; }

    public IEnumerable<Guid> TenantIds => Tenants.Select(t => t.TenantId).Union(Progress.Select(p => p.TenantId)).Union(Imports.Select(i => i.TenantId))
        .Union(Advisories.SelectMany(a => a.Tenants.Select(t => t.TenantId).Concat(a.DroppedTenantIds)));

    public bool IsEmpty => Tenants.Count == 0 && Progress.Count == 0 && Imports.Count == 0 && Advisories.Count == 0 && AdvisoryImpacts.Count == 0 && Outbox.Count == 0 && AccessChanged is null;
}

/// <summary>
/// An advisory change to announce: <see cref="Kind"/> None when only targets were dropped (their status pages forget it, nobody
/// is told). The provider's notice carries its stream number; each targeted tenant, and each tenant it just stopped targeting
/// (whose pages must drop it), gets a number on its full and its customer stream (an advisory concerns the customer too).
/// <see cref="UpdatedAt"/>, when its content last changed, is the notices' time.
/// </summary>
public sealed record CommittedAdvisory(Guid Id, Guid ProviderId, string Title, AdvisoryStatus Status, AdvisoryAnnouncement Kind, DateTimeOffset UpdatedAt,
    long ProviderSequence, IReadOnlyList<AdvisoryTenantSequence> Tenants, IReadOnlyList<Guid> DroppedTenantIds)
{
    /// <summary>Tenants a subscription of theirs made targets of this (earlier published) advisory in the unit of work.</summary>
    public IReadOnlyList<Guid> NewTargetTenantIds { get; init; } = [];
}

public sealed record AdvisoryTenantSequence(Guid TenantId, long Sequence, long CustomerSequence);

public sealed record AdvisoryImpactChange(Guid AdvisoryId, Guid ProviderId);

/// <summary>A device import as saved: its status and counts.</summary>
public sealed record CommittedImport(Guid Id, Guid IncidentId, Guid TenantId, DeviceImportStatus Status, long LinesDone, long RowsRead,
    long DevicesCreated, long TasksCreated, long RowsUnchanged, long ErrorCount, string? Failure)
{
    public static CommittedImport From(DeviceImport i) =>
        new(i.Id, i.IncidentId, i.TenantId, i.Status, i.LinesDone, i.RowsRead, i.DevicesCreated, i.TasksCreated, i.RowsUnchanged, i.ErrorCount, i.Failure);
}

/// <summary>An incident's remediation counters as the command saved them (customer-visible: how many devices are back).</summary>
public sealed record CommittedProgress(Guid IncidentId, Guid TenantId, int Pending, int InProgress, int Blocked, int Done, int Failed, int NotApplicable, DateTimeOffset UpdatedAt)
{
    public int Total => Pending + InProgress + Blocked + Done + Failed + NotApplicable;
    public int Completed => Done + NotApplicable;

    public static CommittedProgress From(RemediationProgress p) =>
        new(p.IncidentId, p.TenantId, p.Pending, p.InProgress, p.Blocked, p.Done, p.Failed, p.NotApplicable, p.UpdatedAt);
}

/// <summary>
/// What one command changed in one tenant. <see cref="CustomerSequence"/> is the tenant's customer stream number after
/// the change; it moved only if <see cref="CustomerVisible"/>.
/// </summary>
public sealed record TenantChange(Guid TenantId, IReadOnlyList<CommittedEntry> Entries, long CustomerSequence)
{
    public bool CustomerVisible => Entries.Any(e => e.CustomerSequence is not null);
}

/// <summary>One timeline entry the command added, numbered on the tenant's full stream and, if customer-visible, its customer stream.</summary>
public sealed record CommittedEntry(TimelineEntry Entry, CommittedIncident Incident, long Sequence, long? CustomerSequence);

/// <summary>
/// An incident as the command saved it (the version included: the database assigns it on PostgreSQL and SQL Server), and when its
/// next escalation is due (MSP-internal; Escalations schedules its timer from it).
/// </summary>
public sealed record CommittedIncident(
    Guid Id, Guid TenantId, string Reference, string Title, string? CustomerSummary, Severity Severity, IncidentStatus Status,
    string? AssigneeName, DateTimeOffset UpdatedAt, long Version, DateTimeOffset? NextEscalationAt = null, int CustomerTimelineLength = 0)
{
    public static CommittedIncident From(Incident i) =>
        new(i.Id, i.TenantId, i.Reference, i.Title, i.CustomerSummary, i.Severity, i.Status, i.AssigneeName, i.UpdatedAt, i.Version, i.NextEscalationAt, i.CustomerTimelineLength);
}
