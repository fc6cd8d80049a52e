using Portal.Domain;
using Portal.Features.Incidents;
using Portal.Pipeline.Commit;

namespace Portal.Features.Live;

/// <summary>The incident as a live event shows it after the change: the customer-visible fields plus the version.</summary>
public sealed record LiveIncident(
    Guid Id, Guid TenantId, string Reference, string Title, string? CustomerSummary, Severity Severity, IncidentStatus Status,
    string? Assignee, DateTimeOffset UpdatedAt, long Version)
{
    public static LiveIncident From(CommittedIncident i) =>
        new(i.Id, i.TenantId, i.Reference, i.Title, i.CustomerSummary, i.Severity, i.Status, i.AssigneeName, i.UpdatedAt, i.Version);
}

/// <summary>
/// One change on one stream. <see cref="Sequence"/> counts the stream's events (1, 2, 3…, across all
/// instances): a client that sees a number more than one past the last it saw, or reconnects, refetches.
/// </summary>
public sealed record LiveIncidentEvent(string Stream, long Sequence, LiveIncident Incident, TimelineEntryView Entry);

/// <summary>
/// An incident's devices as its customers' status reads them (its <c>progress</c>): <see cref="Total"/> affected (not
/// applicable left out), <see cref="Completed"/> restored, and the stuck ones, <see cref="Failed"/> and <see cref="Blocked"/>.
/// </summary>
public sealed record LiveTaskProgress(int Total, int Completed, int Failed, int Blocked);

/// <summary>Which advisory's counts changed; the provider's dashboard reads the numbers itself.</summary>
public sealed record LiveAdvisoryImpact(string Stream, Guid AdvisoryId, DateTimeOffset At);

/// <summary>Where a device import is: its status and counts (the import's own API shape, without the URLs).</summary>
public sealed record LiveImportProgress(Guid ImportId, Guid IncidentId, string Status, long LinesDone, long RowsRead, long DevicesCreated,
    long TasksCreated, long RowsUnchanged, long ErrorCount, string? Failure)
{
    public bool IsFinished => Status is "Completed" or "Failed" or "Cancelled";
}

public sealed record LiveImportProgressEvent(string Stream, LiveImportProgress Import, DateTimeOffset At);

public sealed record LiveProgressEvent(string Stream, Guid IncidentId, LiveTaskProgress Progress, DateTimeOffset At);

/// <summary>A provider- or MSP-level event (advisory, escalation) on a stream.</summary>
public sealed record LiveNotice(string Stream, long Sequence, string Kind, Guid SubjectId, Guid? IncidentId, string Title, DateTimeOffset At);

/// <summary>The answer to watching an incident: its stream and the sequence it is at now.</summary>
public sealed record WatchResult(string Stream, long Sequence);
