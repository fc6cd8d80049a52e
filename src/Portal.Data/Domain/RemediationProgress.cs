namespace Portal.Domain;

/// <summary>
/// The counters of an incident's device tasks per state, kept in the same transaction as every change that moves one
/// (so a page reads one row instead of counting a million). They count devices, the unit customers ask about ("412 of 1,204
/// devices restored"): a free task (a title, no device) is in the task list and its history, not here. Tenant, MSP and advisory
/// roll-ups add up these rows. The row is created with the incident's first task of either kind, and every task writer of
/// the incident locks it first. A concurrency token makes two commands that change the same incident's counters at once
/// retry instead of losing an update.
/// </summary>
public sealed class RemediationProgress
{
    private RemediationProgress() { }

    public RemediationProgress(Guid incidentId, Guid tenantId, DateTimeOffset now)
    {
        IncidentId = incidentId;
        TenantId = tenantId;
        UpdatedAt = now;
    }

    public Guid IncidentId { get; private set; }
    public Guid TenantId { get; private set; }
    public int Pending { get; private set; }
    public int InProgress { get; private set; }
    public int Blocked { get; private set; }
    public int Done { get; private set; }
    public int Failed { get; private set; }
    public int NotApplicable { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public long Version { get; private set; }

    public int Total => Pending + InProgress + Blocked + Done + Failed + NotApplicable;

    /// <summary>Work finished: done, or found not to need doing.</summary>
    public int Completed => Done + NotApplicable;
    public int Remaining => Total - Completed;

    public int Count(RemediationState state) => state switch
    {
        RemediationState.Pending => Pending,
        RemediationState.InProgress => InProgress,
        RemediationState.Blocked => Blocked,
        RemediationState.Done => Done,
        RemediationState.Failed => Failed,
        RemediationState.NotApplicable => NotApplicable,
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    /// <summary>New tasks, all in one state (imports and free tasks start Pending).</summary>
    public void Added(RemediationState state, int count, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0) return;
        Adjust(state, count);
        Touch(now);
    }

    /// <summary>A task moved; its change says from where to where.</summary>
    public void Record(RemediationTaskChange change)
    {
        if (change.IncidentId != IncidentId) throw new InvalidOperationException("The change belongs to another incident's tasks.");
        Adjust(change.From, -1);
        Adjust(change.To, +1);
        Touch(change.At);
    }

    /// <summary>
    /// Many tasks moved (a bulk update): the counters take the changes' net deltas per state at once. All or nothing: a
    /// change of another incident, or a counter that would go below zero, refuses the whole batch and changes nothing.
    /// </summary>
    public void RecordMany(IReadOnlyCollection<RemediationTaskChange> changes)
    {
        if (changes.Count == 0) return;
        var deltas = new int[Enum.GetValues<RemediationState>().Length];
        var latest = UpdatedAt;
        foreach (var change in changes)
        {
            if (change.IncidentId != IncidentId) throw new InvalidOperationException("The change belongs to another incident's tasks.");
            deltas[(int)change.From]--;
            deltas[(int)change.To]++;
            if (change.At > latest) latest = change.At;
        }
        foreach (var state in Enum.GetValues<RemediationState>())
        {
            if (Count(state) + deltas[(int)state] < 0)
                throw new InvalidOperationException($"The {state} counter of incident {IncidentId} would go below zero: the counters disagree with the tasks.");
        }
        foreach (var state in Enum.GetValues<RemediationState>()) Adjust(state, deltas[(int)state]);
        Touch(latest);
    }

    /// <summary>
    /// A free task moved: nothing to count, but the incident's remediation changed, so the row is saved and the commit path tells
    /// the pages that follow it (a free task's own page refetches on it, as a device task's does).
    /// </summary>
    public void FreeTaskMoved(DateTimeOffset at) => Touch(at);

    /// <summary>A point of the burn-down, as the counters stand now.</summary>
    public RemediationProgressSample Sample(DateTimeOffset now) => new(this, now);

    private void Adjust(RemediationState state, int delta)
    {
        switch (state)
        {
            case RemediationState.Pending: Pending += delta; break;
            case RemediationState.InProgress: InProgress += delta; break;
            case RemediationState.Blocked: Blocked += delta; break;
            case RemediationState.Done: Done += delta; break;
            case RemediationState.Failed: Failed += delta; break;
            case RemediationState.NotApplicable: NotApplicable += delta; break;
            default: throw new ArgumentOutOfRangeException(nameof(state));
        }
        if (Count(state) < 0) throw new InvalidOperationException($"The {state} counter of incident {IncidentId} would go below zero: the counters disagree with the tasks.");
    }

    private void Touch(DateTimeOffset now) => UpdatedAt = now > UpdatedAt ? now : UpdatedAt;
}
