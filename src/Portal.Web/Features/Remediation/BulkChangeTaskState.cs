using System.Globalization;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Text;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>
/// One task named in a bulk update: by the device's external id (what an RMM tool knows) or by task id. With
/// <paramref name="Version"/> (the task's version as the caller read it), only if nobody changed the task since: a page's
/// ticked rows carry the versions they were rendered with, so a move decided on an old page never undoes a newer one.
/// </summary>
public sealed record BulkItem(string? ExternalId, Guid? TaskId, long? Version = null);

/// <summary>
/// An RMM script reporting on up to <see cref="MaxItems"/> machines at once: "these are Done". One transaction, set-based
/// throughout: the items are read with one query per kind of item, the moves written with one UPDATE per starting state
/// and the history rows by <see cref="Portal.Infrastructure.Data.BulkInsert"/> (multi-row INSERTs; on SQLite one in-process
/// prepared statement reused), never one EF-tracked entity per item. Idempotent: a task
/// already in the state is "unchanged" (no history row, counters untouched). An item that is not a task of this
/// incident — another incident's, another tenant's, or none — is "not_found" and nothing is done to it. The customer's
/// timeline gets one summary entry per call that changed something. Says what the result should be, so a conflict with
/// a concurrent call re-runs it on fresh data (<see cref="IRetriedOnConflict"/>).
/// </summary>
[Requires(Permission.WorkRemediation)]
public sealed record BulkChangeTaskState(Guid IncidentId, RemediationState? State, string? Reason, IReadOnlyList<BulkItem>? Items, string? Summary)
    : ICommand<BulkResult>, IIncidentRequest, IRetriedOnConflict
{
    public const int MaxItems = 10_000;
    public const int SummaryMaxLength = 500;
}

public static class BulkOutcome
{
    public const string Updated = "updated";
    public const string Unchanged = "unchanged";
    public const string NotFound = "not_found";
    public const string NotAllowed = "not_allowed";

    /// <summary>The item named the version it was decided on, and the task has changed since: left as it is.</summary>
    public const string StaleVersion = "stale_version";
}

/// <param name="Title">The task's title (its device's hostname) when the item was not applied (<c>not_allowed</c>, <c>stale_version</c>), so
/// whoever sent it can say which ones to look at; null otherwise (a 10,000-item answer stays small).</param>
public sealed record BulkItemResult(int Index, string? ExternalId, Guid? TaskId, string Result, string? Message, RemediationState? State, string? Title = null);

public sealed record BulkResult(RemediationState State, int Updated, int Unchanged, int NotFound, int NotAllowed, int StaleVersion, IReadOnlyList<BulkItemResult> Items, ProgressView Progress);

public sealed class BulkChangeTaskStateValidator : AbstractValidator<BulkChangeTaskState>
{
    public BulkChangeTaskStateValidator()
    {
        RuleFor(c => c.State).NotNull().WithMessage("The state to set is required.")
            .IsInEnum().WithMessage($"State must be one of: {string.Join(", ", Enum.GetNames<RemediationState>())}.");
        RuleFor(c => c.Reason).NotEmpty().When(c => c.State is RemediationState.Blocked or RemediationState.Failed)
            .WithMessage(c => $"Say why the tasks are {c.State}.");
        RuleFor(c => c.Reason).MaximumLength(RemediationTask.ReasonMaxLength).WithMessage($"The reason may be at most {RemediationTask.ReasonMaxLength} characters.")
            .IsPlainText("reason");
        RuleFor(c => c.Summary).MaximumLength(BulkChangeTaskState.SummaryMaxLength)
            .WithMessage($"The summary may be at most {BulkChangeTaskState.SummaryMaxLength} characters.")
            .IsPlainText("summary");
        RuleFor(c => c.Items).NotEmpty().WithMessage("Name at least one task in 'items'.")
            .Must(i => i is null || i.Count <= BulkChangeTaskState.MaxItems)
            .WithMessage(c => $"One call may name at most {BulkChangeTaskState.MaxItems:N0} tasks; this one names {c.Items!.Count:N0}. Split it into several calls.");
        // Item errors only when the count is acceptable: 10,001 bad items are one message, not 10,001.
        When(c => c.Items is { Count: <= BulkChangeTaskState.MaxItems }, () =>
            RuleForEach(c => c.Items).Must(i => i is not null && (i.TaskId is null) != string.IsNullOrWhiteSpace(i.ExternalId))
                .WithMessage((_, item) => "Each item names exactly one of externalId or taskId.")
                .Must(i => i is null || i.ExternalId is null || i.ExternalId.Length <= Device.ExternalIdMaxLength)
                .WithMessage($"An external id may be at most {Device.ExternalIdMaxLength} characters."));
    }
}

public sealed class BulkChangeTaskStateHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<BulkChangeTaskState, BulkResult>
{
    /// <summary>
    /// Ids per statement. Each list travels as one parameter (<see cref="EF.Parameter{T}"/>: a JSON array read with
    /// json_each on SQLite and OPENJSON on SQL Server, an array on PostgreSQL), so no parameter limit applies and a whole
    /// call's ids fit one statement: EF's default of one parameter per id made SQLite bind 1,000-parameter statements
    /// with a linear search per name, and ten statements cost more than one.
    /// </summary>
    internal const int ChunkSize = BulkChangeTaskState.MaxItems;

    /// <summary>
    /// A task as this command reads it: values, not a tracked entity (10,000 tracked tasks and their one-row UPDATEs were
    /// most of the time). <see cref="State"/> and <see cref="Reason"/> follow the moves this call decides, so a task named
    /// twice in one call moves once and is "unchanged" the second time.
    /// </summary>
    private sealed class TaskRow
    {
        public Guid Id { get; init; }
        public Guid? DeviceId { get; init; }
        public string Title { get; init; } = "";
        public RemediationState State { get; set; }
        public string? Reason { get; set; }
        public long Version { get; init; }
    }

    public async ValueTask<BulkResult> Handle(BulkChangeTaskState command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var state = command.State!.Value;
        var incident = await db.LoadIncidentAsync(command.IncidentId, cancellationToken);
        incident.RequireNotClosed("its tasks no longer change");
        var actor = currentUser.Required.ActorIn(incident.TenantId);
        var items = command.Items!;

        // Lock first, then read: a concurrent bulk call or single task change on this incident waits here and then sees
        // what that one saved.
        var progress = await db.LockProgressAsync(incident.Id, cancellationToken);
        var tasks = new Dictionary<Guid, TaskRow>();
        var byId = await LoadByTaskIdAsync(incident, items, tasks, cancellationToken);
        var byExternalId = await LoadByExternalIdAsync(incident, items, tasks, cancellationToken);

        // Decided in memory with the entity's own rule; the rows are then changed set-based below.
        var results = new List<BulkItemResult>(items.Count);
        var changes = new List<RemediationTaskChange>();
        var deviceTaskIds = new HashSet<Guid>();
        foreach (var (item, index) in items.Select((item, index) => (item, index)))
        {
            var task = item.TaskId is { } id ? byId.GetValueOrDefault(id) : byExternalId.GetValueOrDefault(item.ExternalId!.Trim());
            if (task is null)
            {
                results.Add(new(index, item.ExternalId, item.TaskId, BulkOutcome.NotFound, "No task of this incident has this " + (item.TaskId is null ? "external id." : "id."), null));
                continue;
            }
            if (item.Version is { } expected && expected != task.Version)
            {
                results.Add(new(index, item.ExternalId, task.Id, BulkOutcome.StaleVersion, string.Create(CultureInfo.InvariantCulture,
                    $"Changed since version {expected}: it is version {task.Version} now, {task.State}. Read it again and decide."), task.State, task.Title));
                continue;
            }
            var move = RemediationTask.PlanMove(task.Title, task.State, task.Reason, state, command.Reason, actor);
            switch (move.Outcome)
            {
                case TaskMoveOutcome.NoChange:
                    results.Add(new(index, item.ExternalId, task.Id, BulkOutcome.Unchanged, null, task.State));
                    break;
                case TaskMoveOutcome.NotAllowed:
                    results.Add(new(index, item.ExternalId, task.Id, BulkOutcome.NotAllowed, move.Refusal, task.State, task.Title));
                    break;
                default:
                    changes.Add(RemediationTaskChange.Of(task.Id, incident.TenantId, incident.Id, move, actor, now));
                    (task.State, task.Reason) = (move.To, move.Reason);
                    if (task.DeviceId is not null) deviceTaskIds.Add(task.Id);
                    results.Add(new(index, item.ExternalId, task.Id, BulkOutcome.Updated, null, task.State));
                    break;
            }
        }

        if (changes.Count > 0)
        {
            await MoveRowsAsync(incident, changes, now, cancellationToken);
            var countersMoved = await db.RecordManyAsync(progress!, changes, deviceTaskIds, cancellationToken); // a task exists, so the counter row does
            // The incident was read before the lock (by the access check): read it again, so the summary gets the next
            // timeline number after whatever a concurrent call on this incident committed while this one waited.
            await db.Entry(incident).ReloadAsync(cancellationToken);
            incident.RequireNotClosed("its tasks no longer change"); // closed while this call waited for the lock: nothing of it stays
            if (countersMoved) await db.AddSampleAsync(progress!, now, cancellationToken);
            incident.RecordRemediation(SummaryText(changes.Count, deviceTaskIds.Count, state, actor.DisplayName, command.Summary), actor, now);
            await db.SaveChangesAsync(cancellationToken);
        }

        return new BulkResult(state, changes.Count,
            results.Count(r => r.Result == BulkOutcome.Unchanged), results.Count(r => r.Result == BulkOutcome.NotFound),
            results.Count(r => r.Result == BulkOutcome.NotAllowed), results.Count(r => r.Result == BulkOutcome.StaleVersion), results, ProgressView.From(progress));
    }

    /// <summary>"1,204 devices marked Done by Harbor IT RMM" (the state in the pages' words: "Not applicable"), and the caller's own words after a colon.</summary>
    internal static string SummaryText(int updated, int deviceTasks, RemediationState state, string actor, string? summary)
    {
        var what = deviceTasks == updated ? (updated == 1 ? "device" : "devices") : (updated == 1 ? "task" : "tasks");
        var text = string.Create(CultureInfo.InvariantCulture, $"{updated:N0} {what} marked {Words.State(state)} by {actor}");
        return string.IsNullOrWhiteSpace(summary) ? text : $"{text}: {summary.Trim()}";
    }

    /// <summary>
    /// The decided moves, as one UPDATE per starting state and chunk of ids. Each statement names the incident and its
    /// tenant (a raw write is not guarded by the query filter's intent alone) and the state the move starts from: a task
    /// another writer moved since it was read matches no row, fewer rows than expected change, and the command re-runs on
    /// fresh data (<see cref="DbUpdateConcurrencyException"/>, <see cref="IRetriedOnConflict"/>). The counters and the
    /// history depend only on the state, which is what the condition checks.
    /// </summary>
    private async Task MoveRowsAsync(Incident incident, List<RemediationTaskChange> changes, DateTimeOffset now, CancellationToken ct)
    {
        var (incidentId, tenantId) = (incident.Id, incident.TenantId);
        var bumpVersion = db.SetBasedUpdatesBumpVersion;
        foreach (var group in changes.GroupBy(c => (c.From, c.To, c.Reason)))
        {
            var (from, to, reason) = group.Key;
            foreach (var chunk in group.Select(c => c.TaskId).Chunk(ChunkSize))
            {
                var moved = await db.RemediationTasks
                    .Where(t => t.IncidentId == incidentId && t.TenantId == tenantId && EF.Parameter(chunk).Contains(t.Id) && t.State == from)
                    .ExecuteUpdateAsync(set =>
                    {
                        set.SetProperty(t => t.State, to)
                            .SetProperty(t => t.Reason, reason)
                            // RemediationTask.MoveTo's rule: UpdatedAt never goes back.
                            .SetProperty(t => t.UpdatedAt, t => t.UpdatedAt < now ? now : t.UpdatedAt);
                        if (bumpVersion) set.SetProperty(t => t.Version, t => t.Version + 1);
                    }, ct);
                if (moved != chunk.Length)
                {
                    throw new DbUpdateConcurrencyException(string.Create(CultureInfo.InvariantCulture,
                        $"{chunk.Length - moved} of {chunk.Length} tasks of incident {incidentId} left {from} while the bulk update decided to move them; it re-runs on fresh data."));
                }
            }
        }
    }

    private async Task<Dictionary<Guid, TaskRow>> LoadByTaskIdAsync(Incident incident, IReadOnlyList<BulkItem> items, Dictionary<Guid, TaskRow> tasks, CancellationToken ct)
    {
        var (incidentId, tenantId) = (incident.Id, incident.TenantId);
        var found = new Dictionary<Guid, TaskRow>();
        var ids = items.Where(i => i.TaskId is not null).Select(i => i.TaskId!.Value).Distinct().ToList();
        foreach (var chunk in ids.Chunk(ChunkSize))
        {
            // The incident condition is what makes another incident's or tenant's task id "not found".
            var rows = await db.RemediationTasks.AsNoTracking()
                .Where(t => t.IncidentId == incidentId && t.TenantId == tenantId && EF.Parameter(chunk).Contains(t.Id))
                .Select(t => new TaskRow { Id = t.Id, DeviceId = t.DeviceId, Title = t.Title, State = t.State, Reason = t.Reason, Version = t.Version })
                .ToListAsync(ct);
            foreach (var row in rows) found[row.Id] = tasks.TryAdd(row.Id, row) ? row : tasks[row.Id];
        }
        return found;
    }

    private async Task<Dictionary<string, TaskRow>> LoadByExternalIdAsync(Incident incident, IReadOnlyList<BulkItem> items, Dictionary<Guid, TaskRow> tasks, CancellationToken ct)
    {
        var (incidentId, tenantId) = (incident.Id, incident.TenantId);
        var found = new Dictionary<string, TaskRow>(StringComparer.Ordinal);
        var externalIds = items.Where(i => i.TaskId is null && i.ExternalId is not null).Select(i => i.ExternalId!.Trim()).Distinct(StringComparer.Ordinal).ToList();
        foreach (var chunk in externalIds.Chunk(ChunkSize))
        {
            // Through the device's MatchKey ("ext:" + external id, unique per tenant and indexed with it): external ids
            // themselves have no index, and a scan of the tenant's devices per chunk was a third of the call.
            var keys = chunk.Select(e => Device.KeyFor(e, hostname: "")).ToList();
            var rows = await (from d in db.Devices.AsNoTracking()
                              where d.TenantId == tenantId && EF.Parameter(keys).Contains(d.MatchKey)
                              join t in db.RemediationTasks.AsNoTracking() on (Guid?)d.Id equals t.DeviceId
                              where t.IncidentId == incidentId && t.TenantId == tenantId
                              select new { d.ExternalId, Task = new TaskRow { Id = t.Id, DeviceId = t.DeviceId, Title = t.Title, State = t.State, Reason = t.Reason, Version = t.Version } })
                .ToListAsync(ct);
            foreach (var row in rows) found[row.ExternalId!] = tasks.TryAdd(row.Task.Id, row.Task) ? row.Task : tasks[row.Task.Id];
        }
        return found;
    }
}
