using FluentValidation;
using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Text;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>
/// Move one task along <see cref="RemediationTask.Transitions"/>. Setting the state it has is no change: 200, no history
/// row, counters untouched. A move goes to the task history and (a device's task) the counters, not to the incident timeline. With
/// <paramref name="ExpectedVersion"/> (the page's form, If-Match) only from the task as the caller saw it: a move decided on a
/// page from before the RMM script's "Failed" is a 409, not an override of a result nobody read.
/// </summary>
[Requires(Permission.WorkRemediation)]
public sealed record ChangeTaskState(Guid TaskId, RemediationState? State, string? Reason, long? ExpectedVersion = null) : ICommand<TaskView>, ITaskRequest, IRetriedOnConflict;

public sealed class ChangeTaskStateValidator : AbstractValidator<ChangeTaskState>
{
    public ChangeTaskStateValidator()
    {
        RuleFor(c => c.State).NotNull().WithMessage("The new state is required.")
            .IsInEnum().WithMessage($"State must be one of: {string.Join(", ", Enum.GetNames<RemediationState>())}.");
        RuleFor(c => c.Reason).NotEmpty().When(c => c.State is RemediationState.Blocked or RemediationState.Failed)
            .WithMessage(c => $"Say why the task is {c.State}.");
        RuleFor(c => c.Reason).MaximumLength(RemediationTask.ReasonMaxLength).WithMessage($"The reason may be at most {RemediationTask.ReasonMaxLength} characters.")
            .IsPlainText("reason");
    }
}

public sealed class ChangeTaskStateHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<ChangeTaskState, TaskView>
{
    public async ValueTask<TaskView> Handle(ChangeTaskState command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var task = await db.LoadTaskAsync(command.TaskId, cancellationToken);
        (await db.LoadIncidentAsync(task.IncidentId, cancellationToken)).RequireNotClosed("its tasks no longer change");
        var progress = await db.LockProgressAsync(task.IncidentId, cancellationToken)
            ?? throw new InvalidOperationException($"Incident {task.IncidentId} has tasks but no counter row.");
        // The task was read before the lock (by the access check): read it again, so the move starts from what a bulk
        // update that held the lock meanwhile committed. Deciding from the stale state counted the move out of a state
        // the task had left; the version check caught that at save, but a counter driven below zero first was a 500.
        await db.Entry(task).ReloadAsync(cancellationToken);
        task.EnsureVersion(command.ExpectedVersion);
        var change = task.MoveTo(command.State!.Value, command.Reason, currentUser.Required.ActorIn(task.TenantId), now);
        if (change is not null)
        {
            if (db.Record(progress, task, change)) await db.AddSampleAsync(progress, now, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
        }
        var device = task.DeviceId is { } deviceId ? await db.LoadDeviceAsync(deviceId, cancellationToken) : null;
        return TaskView.From(task, device);
    }
}
