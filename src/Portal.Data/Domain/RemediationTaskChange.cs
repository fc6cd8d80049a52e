namespace Portal.Domain;

/// <summary>
/// One line of a task's history: who (a person, or the integration that reported it), when, from which state to
/// which. The incident timeline gets one summary per bulk change instead; this is where the detail lives.
/// </summary>
public sealed class RemediationTaskChange
{
    private RemediationTaskChange() { ActorName = ""; }

    internal RemediationTaskChange(Guid taskId, Guid tenantId, Guid incidentId, TaskMove move, Actor actor, DateTimeOffset at)
    {
        if (move.Outcome != TaskMoveOutcome.Moves) throw new InvalidOperationException($"A {move.Outcome} is no move: it has no history row.");
        Id = Guid.CreateVersion7(at);
        TaskId = taskId;
        TenantId = tenantId;
        IncidentId = incidentId;
        From = move.From;
        To = move.To;
        Reason = move.Reason;
        ActorId = actor.UserId;
        ActorName = actor.DisplayName;
        At = at;
    }

    /// <summary>
    /// The history row of a move planned with <see cref="RemediationTask.PlanMove"/> for a task read as values (a bulk update
    /// changes the rows with one set-based statement per starting state, not through entities).
    /// </summary>
    public static RemediationTaskChange Of(Guid taskId, Guid tenantId, Guid incidentId, TaskMove move, Actor actor, DateTimeOffset at) =>
        new(taskId, tenantId, incidentId, move, actor, at);

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
