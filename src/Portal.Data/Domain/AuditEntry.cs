namespace Portal.Domain;

/// <summary>
/// One administrative change of an organisation — a person invited, a role changed, a member removed, a contract proposed or
/// ended, the organisation renamed or deactivated: who did it, when, and what. Written in the same transaction as the change
/// (so it cannot be lost or invented), never edited, readable by the organisation's admins.
/// </summary>
public sealed class AuditEntry
{
    public const int ActionMaxLength = 64;
    public const int DetailMaxLength = 1000;

    private AuditEntry() { ActorName = ""; Action = ""; Detail = ""; }

    public AuditEntry(Guid organisationId, DateTimeOffset at, Guid? actorUserId, string actorName, string action, string detail)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actorName);
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        if (action.Length > ActionMaxLength) throw new ArgumentException($"An audit action is at most {ActionMaxLength} characters.", nameof(action));
        Id = Guid.CreateVersion7(at);
        OrganisationId = organisationId;
        At = at;
        ActorUserId = actorUserId;
        ActorName = PlainText.Shorten(actorName, 200);
        Action = action;
        Detail = PlainText.Shorten(detail, DetailMaxLength);
    }

    public Guid Id { get; private set; }
    public Guid OrganisationId { get; private set; }
    public DateTimeOffset At { get; private set; }

    /// <summary>The person who made the change; null when Portal itself did (the configured bootstrap, an expiry).</summary>
    public Guid? ActorUserId { get; private set; }
    public string ActorName { get; private set; }

    /// <summary>A stable name a client can filter on, such as <c>person_invited</c> or <c>contract_ended</c>.</summary>
    public string Action { get; private set; }

    /// <summary>What changed, in words, e.g. "Invited ana@example.com as MspEngineer".</summary>
    public string Detail { get; private set; }
}
