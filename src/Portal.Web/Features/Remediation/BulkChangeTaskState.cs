using System.Globalization;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>One task named in a bulk update: by the device's external id (what an RMM tool knows) or by task id.</summary>
public sealed record BulkItem(string? ExternalId, Guid? TaskId);

/// <summary>
/// An RMM script reporting on up to <see cref="MaxItems"/> machines at once: "these are Done". One transaction; the
/// items are loaded with a few set-based queries (chunked IN lists), never one query per item. Idempotent: a task
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
}

public sealed record BulkItemResult(int Index, string? ExternalId, Guid? TaskId, string Result, string? Message, RemediationState? State);

public sealed record BulkResult(RemediationState State, int Updated, int Unchanged, int NotFound, int NotAllowed, IReadOnlyList<BulkItemResult> Items, ProgressView Progress);

public sealed class BulkChangeTaskStateValidator : AbstractValidator<BulkChangeTaskState>
{
    public BulkChangeTaskStateValidator()
    {
        RuleFor(c => c.State).NotNull().WithMessage("The state to set is required.")
            .IsInEnum().WithMessage($"State must be one of: {string.Join(", ", Enum.GetNames<RemediationState>())}.");
        RuleFor(c => c.Reason).NotEmpty().When(c => c.State is RemediationState.Blocked or RemediationState.Failed)
            .WithMessage(c => $"Say why the tasks are {c.State}.");
        RuleFor(c => c.Reason).MaximumLength(RemediationTask.ReasonMaxLength).WithMessage($"The reason may be at most {RemediationTask.ReasonMaxLength} characters.");
        RuleFor(c => c.Summary).MaximumLength(BulkChangeTaskState.SummaryMaxLength)
            .WithMessage($"The summary may be at most {BulkChangeTaskState.SummaryMaxLength} characters.");
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
    /// <summary>Ids per IN list: well under SQL Server's 2,100 parameters and SQLite's 32,766.</summary>
    internal const int ChunkSize = 1_000;

    public async ValueTask<BulkResult> Handle(BulkChangeTaskState command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var state = command.State!.Value;
        var incident = await db.LoadIncidentAsync(command.IncidentId, cancellationToken);
        var actor = currentUser.Required.ActorIn(incident.TenantId);
        var items = command.Items!;

        // Lock first, then read: a concurrent bulk call on this incident waits here and then sees what this one saved.
        var progress = await db.LockProgressAsync(incident.Id, cancellationToken);
        var byId = await LoadByTaskIdAsync(incident.Id, items, cancellationToken);
        var byExternalId = await LoadByExternalIdAsync(incident.Id, items, cancellationToken);

        var results = new List<BulkItemResult>(items.Count);
        var updated = 0;
        var deviceTasks = 0;
        foreach (var (item, index) in items.Select((item, index) => (item, index)))
        {
            var task = item.TaskId is { } id ? byId.GetValueOrDefault(id) : byExternalId.GetValueOrDefault(item.ExternalId!.Trim());
            if (task is null)
            {
                results.Add(new(index, item.ExternalId, item.TaskId, BulkOutcome.NotFound, "No task of this incident has this " + (item.TaskId is null ? "external id." : "id."), null));
                continue;
            }
            try
            {
                var change = task.MoveTo(state, command.Reason, actor, now);
                if (change is null)
                {
                    results.Add(new(index, item.ExternalId, task.Id, BulkOutcome.Unchanged, null, task.State));
                    continue;
                }
                db.Record(progress!, change); // a task exists, so the counter row does
                updated++;
                if (task.DeviceId is not null) deviceTasks++;
                results.Add(new(index, item.ExternalId, task.Id, BulkOutcome.Updated, null, task.State));
            }
            catch (DomainRuleException refused) when (refused is not InvalidValueException)
            {
                results.Add(new(index, item.ExternalId, task.Id, BulkOutcome.NotAllowed, refused.Message, task.State));
            }
        }

        if (updated > 0)
        {
            // The incident was read before the lock (by the access check): read it again, so the summary gets the next
            // timeline number after whatever a concurrent call on this incident committed while this one waited.
            await db.Entry(incident).ReloadAsync(cancellationToken);
            db.AddSample(progress!, now);
            incident.RecordRemediation(SummaryText(updated, deviceTasks, state, actor.DisplayName, command.Summary), actor, now);
            await db.SaveChangesAsync(cancellationToken);
        }

        return new BulkResult(state, updated,
            results.Count(r => r.Result == BulkOutcome.Unchanged), results.Count(r => r.Result == BulkOutcome.NotFound),
            results.Count(r => r.Result == BulkOutcome.NotAllowed), results, ProgressView.From(progress));
    }

    /// <summary>"1,204 devices marked Done by Harbor IT RMM", and the caller's own words after a colon.</summary>
    internal static string SummaryText(int updated, int deviceTasks, RemediationState state, string actor, string? summary)
    {
        var what = deviceTasks == updated ? (updated == 1 ? "device" : "devices") : (updated == 1 ? "task" : "tasks");
        var text = string.Create(CultureInfo.InvariantCulture, $"{updated:N0} {what} marked {state} by {actor}");
        return string.IsNullOrWhiteSpace(summary) ? text : $"{text}: {summary.Trim()}";
    }

    private async Task<Dictionary<Guid, RemediationTask>> LoadByTaskIdAsync(Guid incidentId, IReadOnlyList<BulkItem> items, CancellationToken ct)
    {
        var found = new Dictionary<Guid, RemediationTask>();
        var ids = items.Where(i => i.TaskId is not null).Select(i => i.TaskId!.Value).Distinct().ToList();
        foreach (var chunk in ids.Chunk(ChunkSize))
        {
            // The incident condition is what makes another incident's or tenant's task id "not found".
            foreach (var task in await db.RemediationTasks.Where(t => t.IncidentId == incidentId && chunk.Contains(t.Id)).ToListAsync(ct))
            {
                found[task.Id] = task;
            }
        }
        return found;
    }

    private async Task<Dictionary<string, RemediationTask>> LoadByExternalIdAsync(Guid incidentId, IReadOnlyList<BulkItem> items, CancellationToken ct)
    {
        var found = new Dictionary<string, RemediationTask>(StringComparer.Ordinal);
        var externalIds = items.Where(i => i.TaskId is null && i.ExternalId is not null).Select(i => i.ExternalId!.Trim()).Distinct(StringComparer.Ordinal).ToList();
        foreach (var chunk in externalIds.Chunk(ChunkSize))
        {
            var rows = await (from t in db.RemediationTasks
                              where t.IncidentId == incidentId
                              join d in db.Devices on t.DeviceId equals d.Id
                              where d.ExternalId != null && chunk.Contains(d.ExternalId)
                              select new { Task = t, d.ExternalId }).ToListAsync(ct);
            foreach (var row in rows) found[row.ExternalId!] = row.Task;
        }
        return found;
    }
}
