namespace Portal.Domain;

/// <summary>
/// One escalation that fired: which incident, which kind and level, and whom it targets, resolved at the moment it fired (the users
/// named by the level, the on-call engineer then, and the roles and channels as named, for the notification outbox to expand and
/// send). Unique per (incident, kind, level): a delayed job and the sweep racing cannot both record it.
/// </summary>
public sealed class Escalation
{
    private Escalation() { UserIds = []; Roles = []; Channels = []; }

    public Escalation(Incident incident, Guid mspId, EscalationLevel level, DateTimeOffset dueAt, IReadOnlyList<Guid> userIds, Guid? onCallUserId, DateTimeOffset raisedAt)
    {
        Id = Guid.NewGuid();
        IncidentId = incident.Id;
        TenantId = incident.TenantId;
        MspId = mspId;
        Kind = level.Kind;
        Level = level.Level;
        Severity = incident.Severity;
        DueAt = dueAt;
        RaisedAt = raisedAt;
        UserIds = [.. userIds.Distinct()];
        OnCallUserId = onCallUserId;
        Roles = [.. level.Roles];
        Channels = [.. level.Channels];
    }

    public Guid Id { get; private set; }
    public Guid IncidentId { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid MspId { get; private set; }
    public EscalationKind Kind { get; private set; }
    public int Level { get; private set; }
    public Severity Severity { get; private set; }

    /// <summary>When the level was due (the breach plus the level's minutes); <see cref="RaisedAt"/> minus this is its lateness.</summary>
    public DateTimeOffset DueAt { get; private set; }
    public DateTimeOffset RaisedAt { get; private set; }

    /// <summary>The users the level names and the on-call engineer at <see cref="RaisedAt"/> (resolved; roles are expanded by whoever sends).</summary>
    public IReadOnlyList<Guid> UserIds { get; private set; }
    public Guid? OnCallUserId { get; private set; }
    public IReadOnlyList<Role> Roles { get; private set; }
    public IReadOnlyList<string> Channels { get; private set; }
}
