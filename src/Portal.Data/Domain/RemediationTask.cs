namespace Portal.Domain;

public enum RemediationState { Pending, InProgress, Blocked, Done, Failed, NotApplicable }

/// <summary>
/// One unit of hands-on work on an incident: usually one affected device (boot to safe mode, delete the file,
/// reboot), or a free task with a title. Its state moves only along <see cref="Transitions"/>; every move is
/// returned as a <see cref="RemediationTaskChange"/> for the task history, and setting the state it already
/// has is no change at all (an RMM script that reports "fixed" twice changes nothing the second time).
/// </summary>
public sealed class RemediationTask
{
    public const int TitleMaxLength = 200;
    public const int ReasonMaxLength = 500;

    /// <summary>
    /// The documented transitions. Work can start, stall, finish or fail from any open state; a failed task can be
    /// retried; a done task can be reopened (the machine crashed again) or turn out failed; a task marked not
    /// applicable can be brought back.
    /// </summary>
    public static readonly IReadOnlyDictionary<RemediationState, RemediationState[]> Transitions = new Dictionary<RemediationState, RemediationState[]>
    {
        [RemediationState.Pending] = [RemediationState.InProgress, RemediationState.Blocked, RemediationState.Done, RemediationState.Failed, RemediationState.NotApplicable],
        [RemediationState.InProgress] = [RemediationState.Pending, RemediationState.Blocked, RemediationState.Done, RemediationState.Failed, RemediationState.NotApplicable],
        [RemediationState.Blocked] = [RemediationState.Pending, RemediationState.InProgress, RemediationState.Done, RemediationState.Failed, RemediationState.NotApplicable],
        [RemediationState.Failed] = [RemediationState.Pending, RemediationState.InProgress, RemediationState.Blocked, RemediationState.Done, RemediationState.NotApplicable],
        [RemediationState.Done] = [RemediationState.InProgress, RemediationState.Failed],
        [RemediationState.NotApplicable] = [RemediationState.Pending],
    };

    private RemediationTask() { Title = ""; }

    private RemediationTask(Guid id, Guid tenantId, Guid incidentId, Guid? deviceId, string title, DateTimeOffset now)
    {
        Id = id;
        TenantId = tenantId;
        IncidentId = incidentId;
        DeviceId = deviceId;
        Title = title;
        State = RemediationState.Pending;
        CreatedAt = now;
        UpdatedAt = now;
    }

    /// <summary>Version 7 (time-ordered): the task list pages by (incident, id) in the order tasks were created.</summary>
    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid IncidentId { get; private set; }

    /// <summary>The affected device; null for a free task.</summary>
    public Guid? DeviceId { get; private set; }

    /// <summary>What to do: the device's hostname for a device task, the title given for a free task.</summary>
    public string Title { get; private set; }
    public RemediationState State { get; private set; }

    /// <summary>Why it is Blocked or Failed; null in every other state.</summary>
    public string? Reason { get; private set; }
    public Guid? AssigneeId { get; private set; }
    public string? AssigneeName { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>Optimistic concurrency token (as on incidents): two updates of the same task cannot both count.</summary>
    public long Version { get; private set; }

    public bool IsOpen => State is not (RemediationState.Done or RemediationState.NotApplicable);

    /// <summary>
    /// A change made against the version the caller last saw (a page's form, an API call with If-Match): two engineers who both
    /// pressed "Take it", or a move decided on a page from before the RMM script's, is a 409, not a silent overwrite.
    /// </summary>
    public void EnsureVersion(long? expected)
    {
        if (expected is { } version && version != Version) throw new StaleVersionException("task", version, Version);
    }

    public static RemediationTask ForDevice(Incident incident, Device device, DateTimeOffset now)
    {
        if (device.TenantId != incident.TenantId) throw new InvalidOperationException("A device task must be in the incident's tenant.");
        incident.RequireNotClosed("no tasks are added to it");
        return new RemediationTask(Guid.CreateVersion7(now), incident.TenantId, incident.Id, device.Id, device.Hostname, now);
    }

    public static RemediationTask Free(Incident incident, string? title, DateTimeOffset now)
    {
        incident.RequireNotClosed("no tasks are added to it");
        if (string.IsNullOrWhiteSpace(title)) throw new InvalidValueException("empty_text", "The task needs a title.");
        var clean = PlainText.Require(title, TitleMaxLength, "title", multiline: false);
        return new RemediationTask(Guid.CreateVersion7(now), incident.TenantId, incident.Id, null, clean, now);
    }

    public static bool CanMove(RemediationState from, RemediationState to) => Transitions.TryGetValue(from, out var allowed) && allowed.Contains(to);

    /// <summary>
    /// Moves the task to <paramref name="to"/>; null when it is already there with the same reason (no change, no history).
    /// Blocked and Failed need a reason; other states drop it.
    /// </summary>
    public RemediationTaskChange? MoveTo(RemediationState to, string? reason, Actor actor, DateTimeOffset now)
    {
        var move = PlanMove(Title, State, Reason, to, reason, actor);
        switch (move.Outcome)
        {
            case TaskMoveOutcome.NoChange: return null;
            case TaskMoveOutcome.NotAllowed: throw new DomainRuleException("transition_not_allowed", move.Refusal!);
        }

        var change = new RemediationTaskChange(Id, TenantId, IncidentId, move, actor, now);
        State = to;
        Reason = move.Reason;
        UpdatedAt = now > UpdatedAt ? now : UpdatedAt;
        return change;
    }

    /// <summary>
    /// The rule of <see cref="MoveTo"/> for a task known only by its values (a bulk update reads rows, not entities): what
    /// moving a task titled <paramref name="title"/> that is in <paramref name="from"/> with <paramref name="fromReason"/> to
    /// <paramref name="to"/> would do. A value the domain cannot hold (an undefined state, a missing or too long reason) or a
    /// customer actor throws, as <see cref="MoveTo"/> does; a move the transitions forbid is <see cref="TaskMoveOutcome.NotAllowed"/>
    /// with the message <see cref="MoveTo"/> throws.
    /// </summary>
    public static TaskMove PlanMove(string title, RemediationState from, string? fromReason, RemediationState to, string? reason, Actor actor)
    {
        if (!Enum.IsDefined(to)) throw new InvalidValueException("invalid_state", $"State {(int)to} does not exist.");
        if (actor.Access != TenantAccess.Msp) throw new NotPermittedException("Only the managing MSP works on remediation tasks.");
        var cleanReason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (to is RemediationState.Blocked or RemediationState.Failed)
        {
            if (cleanReason is null) throw new InvalidValueException("reason_required", $"Say why the task is {to}.");
            cleanReason = PlainText.Require(cleanReason, ReasonMaxLength, "reason");
        }
        else
        {
            cleanReason = null;
        }

        if (to == from && cleanReason == fromReason) return new(TaskMoveOutcome.NoChange, from, to, cleanReason, null);
        if (to != from && !CanMove(from, to))
        {
            var allowed = Transitions[from];
            return new(TaskMoveOutcome.NotAllowed, from, to, cleanReason,
                $"The task '{title}' cannot go from {from} to {to}. Allowed from {from}: {string.Join(", ", allowed)}.");
        }
        return new(TaskMoveOutcome.Moves, from, to, cleanReason, null);
    }

    /// <summary>Assigns the task to an engineer (or unassigns with null); false when nothing changed.</summary>
    public bool AssignTo(Guid? assigneeId, string? assigneeName, Actor actor, DateTimeOffset now)
    {
        if (actor.Access != TenantAccess.Msp) throw new NotPermittedException("Only the managing MSP assigns remediation tasks.");
        if (assigneeId is not null && string.IsNullOrWhiteSpace(assigneeName)) throw new ArgumentException("An assignee needs a name.", nameof(assigneeName));
        if (assigneeId == AssigneeId) return false;
        AssigneeId = assigneeId;
        AssigneeName = assigneeId is null ? null : assigneeName!.Trim();
        UpdatedAt = now > UpdatedAt ? now : UpdatedAt;
        return true;
    }
}

public enum TaskMoveOutcome { NoChange, Moves, NotAllowed }

/// <summary>What moving a task would do (<see cref="RemediationTask.PlanMove"/>): nothing, a move to <see cref="To"/> with
/// <see cref="Reason"/>, or a refusal that says why.</summary>
public readonly record struct TaskMove(TaskMoveOutcome Outcome, RemediationState From, RemediationState To, string? Reason, string? Refusal);
