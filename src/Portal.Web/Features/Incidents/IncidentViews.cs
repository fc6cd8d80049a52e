using Portal.Domain;

namespace Portal.Features.Incidents;

public sealed record PersonRef(Guid Id, string Name);

/// <summary>An incident as the API and pages show it. Everything here is customer-visible; internal detail lives in internal timeline notes.</summary>
public sealed record IncidentView(
    Guid Id,
    Guid TenantId,
    string TenantName,
    string Reference,
    string Title,
    string? CustomerSummary,
    Severity Severity,
    IncidentStatus Status,
    PersonRef? Assignee,
    DateTimeOffset CreatedAt,
    DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? ResolvedAt,
    DateTimeOffset? ClosedAt,
    DateTimeOffset UpdatedAt,
    long Version,
    IReadOnlyList<IncidentStatus> NextStatuses)
{
    /// <summary>The incident as a reader with this access to its tenant may have it (see <see cref="For"/>).</summary>
    public static IncidentView From(Incident i, string tenantName, TenantAccess access) => new IncidentView(
        i.Id, i.TenantId, tenantName, i.Reference, i.Title, i.CustomerSummary, i.Severity, i.Status,
        i.AssigneeId is { } id ? new PersonRef(id, i.AssigneeName ?? "") : null,
        i.CreatedAt, i.AcknowledgedAt, i.ResolvedAt, i.ClosedAt, i.UpdatedAt, i.Version, Incident.Transitions[i.Status]).For(i, access);

    /// <summary>The escalation clock (MSP only; null for a customer, and for an incident without due times).</summary>
    public IncidentClockView? Escalation { get; init; }

    /// <summary>
    /// The view as this reader may have it: the MSP gets the escalation clock; a customer gets the customer version
    /// (<see cref="CustomerVersion"/>) instead of the row's, which every internal note and escalation moves.
    /// </summary>
    private IncidentView For(Incident i, TenantAccess access) => access switch
    {
        TenantAccess.Msp when i.AcknowledgeDueAt is not null || i.ResolveDueAt is not null =>
            this with { Escalation = new IncidentClockView(i.AcknowledgeDueAt, i.ResolveDueAt, i.NextEscalationAt, i.AcknowledgeLevel, i.ResolveLevel) },
        TenantAccess.Msp => this,
        _ => this with { Version = CustomerVersion(i.CustomerTimelineLength) },
    };

    /// <summary>
    /// A customer's version of an incident: how many entries of its timeline the customer may read. Every change a customer sees
    /// adds one (a status, the severity, the summary, the assignee, a customer update), and nothing else moves it, so it says
    /// nothing about internal notes. A customer never sends a version back (their only write, a comment, takes none).
    /// </summary>
    public static long CustomerVersion(int customerTimelineLength) => customerTimelineLength;

    /// <summary>The strong ETag of this version, for If-Match (sent as a header, not in the body).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string ETag => $"\"{Version}\"";
}

/// <summary>When the incident must be acknowledged and resolved by, when the next escalation level fires, and how many levels have fired.</summary>
public sealed record IncidentClockView(DateTimeOffset? AcknowledgeDueAt, DateTimeOffset? ResolveDueAt, DateTimeOffset? NextEscalationAt, int AcknowledgeLevelsFired, int ResolveLevelsFired)
{
    /// <summary>The target the incident is working against now: acknowledgement while New, resolution while open; null once resolved.</summary>
    public (string What, DateTimeOffset At)? NextDue(IncidentStatus status) => status switch
    {
        IncidentStatus.New when AcknowledgeDueAt is { } ack => ("Acknowledge", ack),
        IncidentStatus.Resolved or IncidentStatus.Closed => null,
        _ when ResolveDueAt is { } resolve => ("Resolve", resolve),
        _ => null,
    };
}

public sealed record TimelineEntryView(
    Guid Id,
    int Sequence,
    DateTimeOffset At,
    string Actor,
    TimelineEntryKind Kind,
    NoteVisibility Visibility,
    string Text,
    IncidentStatus? FromStatus,
    IncidentStatus? ToStatus)
{
    public static TimelineEntryView From(TimelineEntry e) =>
        new(e.Id, e.Sequence, e.At, e.ActorName, e.Kind, e.Visibility, e.Text, e.FromStatus, e.ToStatus);

    /// <summary>A customer counts only the entries it may see, so the numbering gives away nothing about internal notes.</summary>
    public static TimelineEntryView ForCustomer(TimelineEntry e) =>
        e.CustomerSequence is { } sequence
            ? new(e.Id, sequence, e.At, e.ActorName, e.Kind, e.Visibility, e.Text, e.FromStatus, e.ToStatus)
            : throw new InvalidOperationException("An internal entry has no customer view.");

    public static TimelineEntryView For(TimelineEntry e, TenantAccess access) => access == TenantAccess.Msp ? From(e) : ForCustomer(e);
}

/// <summary>
/// A numbered page of a list, with <see cref="Total"/> rows matching in all. <see cref="Next"/> is the opaque cursor of the rows after
/// this page (null on the last): pass it back as <c>cursor</c> to read on by key instead of by number.
/// </summary>
public sealed record PageOf<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total, string? Next = null);
