namespace Portal.Domain;

public enum TimelineEntryKind { Opened, Acknowledged, StatusChanged, Assigned, Note, CustomerComment, Remediation, Advisory,
    /// <summary>An acknowledgement or resolution target was missed and the next level was notified (always internal).</summary>
    Escalation,
    /// <summary>The severity changed (customer-visible); the escalation clock is planned again.</summary>
    SeverityChanged,
    /// <summary>The customer summary was rewritten or removed (customer-visible: it is what their status page says).</summary>
    SummaryChanged }

public enum NoteVisibility { Internal, Customer }

/// <summary>One line of an incident's append-only history: who, when, what. Never updated or deleted.</summary>
public sealed class TimelineEntry
{
    public const int TextMaxLength = 4000;

    private TimelineEntry() { ActorName = ""; Text = ""; }

    internal TimelineEntry(Guid id, Guid incidentId, Guid tenantId, int sequence, int? customerSequence, DateTimeOffset at, Guid actorId, string actorName,
        TimelineEntryKind kind, NoteVisibility visibility, string text, IncidentStatus? fromStatus, IncidentStatus? toStatus)
    {
        Id = id;
        IncidentId = incidentId;
        TenantId = tenantId;
        Sequence = sequence;
        CustomerSequence = customerSequence;
        At = at;
        ActorId = actorId;
        ActorName = actorName;
        Kind = kind;
        Visibility = visibility;
        Text = text;
        FromStatus = fromStatus;
        ToStatus = toStatus;
    }

    public Guid Id { get; private set; }
    public Guid IncidentId { get; private set; }
    public Guid TenantId { get; private set; }

    /// <summary>1, 2, 3… within the incident: the order of the timeline, unique because the incident row is version-checked.</summary>
    public int Sequence { get; private set; }

    /// <summary>1, 2, 3… among the customer-visible entries of the incident; null for internal notes.</summary>
    public int? CustomerSequence { get; private set; }
    public DateTimeOffset At { get; private set; }
    public Guid ActorId { get; private set; }
    public string ActorName { get; private set; }
    public TimelineEntryKind Kind { get; private set; }
    public NoteVisibility Visibility { get; private set; }
    public string Text { get; private set; }
    public IncidentStatus? FromStatus { get; private set; }
    public IncidentStatus? ToStatus { get; private set; }
}
