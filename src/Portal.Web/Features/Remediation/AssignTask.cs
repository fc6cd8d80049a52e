using FluentValidation;
using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>
/// Assign a task to an engineer or lead of an MSP that manages its tenant, or unassign with null. With
/// <paramref name="ExpectedVersion"/> (the page's form, If-Match) only if nobody changed the task since: two engineers who
/// both take the same machine get a 409 for the second, not a silent swap.
/// </summary>
[Requires(Permission.WorkRemediation)]
public sealed record AssignTask(Guid TaskId, Guid? AssigneeId, long? ExpectedVersion = null) : ICommand<TaskView>, ITaskRequest, IRetriedOnConflict;

public sealed class AssignTaskValidator : AbstractValidator<AssignTask>
{
    public AssignTaskValidator() => RuleFor(c => c.AssigneeId).NotEqual(Guid.Empty).WithMessage("The assignee id is not a user id; send null to unassign.");
}

public sealed class AssignTaskHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : ICommandHandler<AssignTask, TaskView>
{
    public async ValueTask<TaskView> Handle(AssignTask command, CancellationToken cancellationToken)
    {
        var task = await db.LoadTaskAsync(command.TaskId, cancellationToken);
        (await db.LoadIncidentAsync(task.IncidentId, cancellationToken)).RequireNotClosed("its tasks no longer change");
        task.EnsureVersion(command.ExpectedVersion);
        string? name = null;
        if (command.AssigneeId is { } assigneeId)
        {
            name = await db.AssignableNameAsync(task.TenantId, assigneeId, clock.GetUtcNow(), cancellationToken)
                ?? throw new ValidationException([new FluentValidation.Results.ValidationFailure("assigneeId",
                    "The assignee must be an engineer or lead of an MSP that manages this tenant.")]);
        }
        if (task.AssignTo(command.AssigneeId, name, currentUser.Required.ActorIn(task.TenantId), clock.GetUtcNow()))
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        var device = task.DeviceId is { } deviceId ? await db.LoadDeviceAsync(deviceId, cancellationToken) : null;
        return TaskView.From(task, device);
    }
}
