using Portal.Domain;

namespace Portal.Features.Remediation;

public sealed record DeviceView(Guid Id, Guid TenantId, string Hostname, string? ExternalId, string? OperatingSystem, string? Site,
    IReadOnlyList<string> Tags, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version)
{
    public static DeviceView From(Device d) =>
        new(d.Id, d.TenantId, d.Hostname, d.ExternalId, d.OperatingSystem, d.Site, d.TagList, d.CreatedAt, d.UpdatedAt, d.Version);

    /// <summary>The strong ETag of this version, for If-Match (sent as a header, not in the body).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string ETag => $"\"{Version}\"";
}

/// <summary>The device of a task as the task list shows it.</summary>
public sealed record TaskDeviceView(Guid Id, string Hostname, string? ExternalId, string? Site, IReadOnlyList<string> Tags, string? OperatingSystem);

public sealed record TaskView(Guid Id, Guid IncidentId, string Title, TaskDeviceView? Device, RemediationState State, string? Reason,
    PersonRefView? Assignee, DateTimeOffset UpdatedAt, long Version, IReadOnlyList<RemediationState> NextStates)
{
    /// <summary>A device's task reads as its device's hostname now: a host renamed after the import is shown by its new name everywhere.</summary>
    public static TaskView From(RemediationTask t, Device? d) => new(
        t.Id, t.IncidentId, d?.Hostname ?? t.Title,
        d is null ? null : new TaskDeviceView(d.Id, d.Hostname, d.ExternalId, d.Site, d.TagList, d.OperatingSystem),
        t.State, t.Reason, t.AssigneeId is { } id ? new PersonRefView(id, t.AssigneeName ?? "") : null, t.UpdatedAt, t.Version,
        RemediationTask.Transitions[t.State]);

    /// <summary>The strong ETag of this version, for If-Match (sent as a header, not in the body).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string ETag => $"\"{Version}\"";
}

public sealed record PersonRefView(Guid Id, string Name);

public sealed record TaskChangeView(Guid Id, DateTimeOffset At, string Actor, RemediationState From, RemediationState To, string? Reason)
{
    public static TaskChangeView Of(RemediationTaskChange c) => new(c.Id, c.At, c.ActorName, c.From, c.To, c.Reason);
}

/// <summary>A page of a keyset-paged list: <see cref="Next"/> is the opaque cursor of the next page, null on the last one.</summary>
public sealed record KeysetPage<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>Counters per state, and what they add up to. Read from the maintained counter rows, never counted from tasks.</summary>
public sealed record ProgressView(int Pending, int InProgress, int Blocked, int Done, int Failed, int NotApplicable)
{
    public static readonly ProgressView Zero = new(0, 0, 0, 0, 0, 0);

    public int Total => Pending + InProgress + Blocked + Done + Failed + NotApplicable;

    /// <summary>Done or not applicable: the work left on them is none.</summary>
    public int Completed => Done + NotApplicable;

    /// <summary>
    /// The devices the incident really hit: all but those found not applicable. "Restored" counts <see cref="Done"/> of these; a
    /// device found unaffected is neither restored nor still down (it used to count as restored: "10,000 of 100,120 restored"
    /// with none fixed).
    /// </summary>
    public int Affected => Total - NotApplicable;
    public int Remaining => Total - Completed;

    /// <summary>Blocked or failed: the devices the pages call stuck, which someone must act on (a retry, a BitLocker key, a hand on site).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Stuck => Blocked + Failed;

    public static ProgressView From(RemediationProgress? p) =>
        p is null ? Zero : new(p.Pending, p.InProgress, p.Blocked, p.Done, p.Failed, p.NotApplicable);

    public ProgressView Plus(ProgressView o) =>
        new(Pending + o.Pending, InProgress + o.InProgress, Blocked + o.Blocked, Done + o.Done, Failed + o.Failed, NotApplicable + o.NotApplicable);
}
