namespace Portal.Domain;

/// <summary>
/// One line of a task's history: who (a person, or the integration that reported it), when, from which state to
/// which. The incident timeline gets one summary per bulk change instead; this is where the detail lives.
/// </summary>
public sealed class RemediationTaskChange
{
    private RemediationTaskChange() { ActorName = ""; }

    internal RemediationTaskChange(RemediationTask task, RemediationState from, RemediationState to, string? reason, Actor actor, DateTimeOffset at)
    {
        Id = Guid.CreateVersion7(at);
        TaskId = task.Id;
        TenantId = task.TenantId;
        IncidentId = task.IncidentId;
        From = from;
        To = to;
        Reason = reason;
        ActorId = actor.UserId;
        ActorName = actor.DisplayName;
        At = at;
    }

    public Guid Id { get; private set; }
    public Guid TaskId { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid IncidentId { get; private set; }
    public RemediationState From { get; private set; }
    public RemediationState To { get; private set; }
    public string? Reason { get; private set; }
    public Guid ActorId { get; private set; }
    public string ActorName { get; private set; }
    public DateTimeOffset At { get; private set; }
}
