using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Text;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>
/// Add a task to an incident: for a device of the incident's tenant (one per device), or a free task with a title.
/// A device of another tenant is "no such device", like a missing one. A device's task counts in the incident's counters in the
/// same unit of work; a free task does not (they count devices).
/// Re-run on a conflict: two first tasks of an incident both creating its counter row, or two tasks for one device,
/// end as one created and, on the re-run, the counter row found or "duplicate_task".
/// </summary>
[Requires(Permission.WorkRemediation)]
public sealed record CreateTask(Guid IncidentId, Guid? DeviceId, string? Title) : ICommand<TaskView>, IIncidentRequest, IIdempotentCommand;

public sealed class CreateTaskValidator : AbstractValidator<CreateTask>
{
    public CreateTaskValidator()
    {
        RuleFor(c => c.Title).NotEmpty().When(c => c.DeviceId is null).WithMessage("A task needs a deviceId or a title.")
            .MaximumLength(RemediationTask.TitleMaxLength).WithMessage($"The title may be at most {RemediationTask.TitleMaxLength} characters.")
            .IsPlainText("title", multiline: false);
        RuleFor(c => c.Title).Empty().When(c => c.DeviceId is not null).WithMessage("A device task is titled by its device: send deviceId or title, not both.");
    }
}

public sealed class CreateTaskHandler(PortalDbContext db, TimeProvider clock) : ICommandHandler<CreateTask, TaskView>
{
    public async ValueTask<TaskView> Handle(CreateTask command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var incident = await db.LoadIncidentAsync(command.IncidentId, cancellationToken);
        Device? device = null;
        RemediationTask task;
        if (command.DeviceId is { } deviceId)
        {
            // Through the filtered context, and in the incident's tenant: another tenant's device is not found, never used.
            device = await db.Devices.SingleOrDefaultAsync(d => d.Id == deviceId && d.TenantId == incident.TenantId, cancellationToken)
                ?? throw new NotFoundException("device", deviceId);
            task = RemediationTask.ForDevice(incident, device, now);
        }
        else
        {
            task = RemediationTask.Free(incident, command.Title, now);
        }

        var progress = await db.LockOrCreateProgressAsync(incident, now, cancellationToken);
        if (device is not null && await db.RemediationTasks.AnyAsync(t => t.IncidentId == incident.Id && t.DeviceId == device.Id, cancellationToken))
        {
            throw new DomainRuleException("duplicate_task", $"The incident already has a task for {device.Hostname}.");
        }
        db.RemediationTasks.Add(task);
        if (device is not null)
        {
            // The counters count devices; a free task takes the row's lock (created with the incident's first task) and no count.
            progress.Added(task.State, 1, now);
            await db.AddSampleAsync(progress, now, cancellationToken);
        }
        await db.SaveChangesAsync(cancellationToken);
        return TaskView.From(task, device);
    }
}
