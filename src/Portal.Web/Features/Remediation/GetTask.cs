using Mediator;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>One task as the task list shows it: its device, state, reason, assignee and the states it may move to next.</summary>
[Requires(Permission.WorkRemediation)]
public sealed record GetTask(Guid TaskId) : IQuery<TaskView>, ITaskRequest;

public sealed class GetTaskHandler(PortalDbContext db) : IQueryHandler<GetTask, TaskView>
{
    public async ValueTask<TaskView> Handle(GetTask query, CancellationToken cancellationToken)
    {
        // Through the filtered context: the access behaviour has already answered 404 for a task the user cannot see.
        var task = await db.LoadTaskAsync(query.TaskId, cancellationToken);
        var device = task.DeviceId is { } deviceId ? await db.LoadDeviceAsync(deviceId, cancellationToken) : null;
        return TaskView.From(task, device);
    }
}
