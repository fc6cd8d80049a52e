using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Features.Incidents;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Remediation;

/// <summary>
/// One remediation task, for its managing MSP: the device and its state, who has it, every move it made; and the forms to move
/// it, hand it to someone (or take it), and correct its device. The same messages as the API; a customer or another MSP gets
/// "no such task". A closed incident's task is shown without the forms that would change it. The move and assign forms carry
/// the version they were rendered from: a change made meanwhile (a colleague took the machine, the RMM script reported it) is
/// a 409 and the page shows what happened, instead of the form overwriting it.
/// </summary>
[Authorize]
public sealed class TaskDetailModel(IMediator mediator, CurrentUser currentUser, TimeProvider clock) : PortalPageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    /// <summary>The task's version the posted form was rendered from.</summary>
    [BindProperty]
    public long? Version { get; set; }

    [BindProperty]
    public RemediationState? NewState { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    [BindProperty]
    public Guid? AssigneeId { get; set; }

    [BindProperty]
    public string? Hostname { get; set; }

    [BindProperty]
    public string? ExternalId { get; set; }

    [BindProperty]
    public string? OperatingSystem { get; set; }

    [BindProperty]
    public string? Site { get; set; }

    /// <summary>The device's version the posted device form was rendered from.</summary>
    [BindProperty]
    public long? DeviceVersion { get; set; }

    /// <summary>The device's tags as typed: separated by commas.</summary>
    [BindProperty]
    public string? Tags { get; set; }

    public TaskView? Task { get; private set; }

    public IncidentView? Incident { get; private set; }

    public DeviceView? Device { get; private set; }

    public IReadOnlyList<TaskChangeView> History { get; private set; } = [];

    public IReadOnlyList<PersonRef> Engineers { get; private set; } = [];

    /// <summary>The signed-in person, when the task may be given to them: the "Take it" button.</summary>
    public Guid? Me { get; private set; }

    /// <summary>A closed incident's remediation is the finished record (Incident.RequireNotClosed): shown, not changed.</summary>
    public bool Closed => Incident?.Status == IncidentStatus.Closed;

    public DateTimeOffset Now { get; } = clock.GetUtcNow();

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    public Task<IActionResult> OnPostStateAsync(CancellationToken ct) =>
        ChangeAsync("State", async () =>
        {
            var task = await mediator.Send(new ChangeTaskState(Id, NewState, string.IsNullOrWhiteSpace(Reason) ? null : Reason, Version), ct);
            return $"{task.Title} is {Words.State(task.State)}.";
        }, ct);

    /// <summary>Give the task to an engineer of a managing MSP, or to no one.</summary>
    public Task<IActionResult> OnPostAssignAsync(CancellationToken ct) =>
        ChangeAsync("Assign", async () =>
        {
            var task = await mediator.Send(new AssignTask(Id, AssigneeId, Version), ct);
            return task.Assignee is { } who ? $"{task.Title} assigned to {who.Name}." : $"{task.Title} is unassigned.";
        }, ct);

    /// <summary>
    /// Correct the device (a wrong site, a renamed host): the device is the tenant's, so every task for it shows the change. A
    /// device whose key another device of the tenant has is refused (409), as in the API.
    /// </summary>
    public Task<IActionResult> OnPostDeviceAsync(CancellationToken ct) =>
        ChangeAsync("Device", async () =>
        {
            var task = await mediator.Send(new GetTask(Id), ct);
            if (task.Device is not { } device)
                throw new FluentValidation.ValidationException([new FluentValidation.Results.ValidationFailure(nameof(Hostname), "This task is not for a device: there is no device to change.")]);
            var tags = (Tags ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var saved = await mediator.Send(new UpdateDevice(device.Id, Hostname, ExternalId, OperatingSystem, Site, tags, DeviceVersion), ct);
            return $"Device {saved.Hostname} saved.";
        }, ct);

    private Task<IActionResult> ChangeAsync(string form, Func<Task<string>> change, CancellationToken ct) => SubmitAsync(form, change, () => LoadAsync(ct), new { id = Id });

    private async Task LoadAsync(CancellationToken ct)
    {
        // A foreign or missing task throws here (the base page answers "no such task", 404); so does a customer's request.
        Task = await mediator.Send(new GetTask(Id), ct);
        Incident = await mediator.Send(new GetIncident(Task.IncidentId), ct);
        History = await mediator.Send(new GetTaskHistory(Id), ct);
        if (Task.Device is { } device) Device = await mediator.Send(new GetDevice(device.Id), ct);
        if (!Closed)
        {
            Engineers = await mediator.Send(new ListAssignableEngineers(Task.IncidentId), ct);
            var me = currentUser.Required.UserId;
            if (Engineers.Any(p => p.Id == me) && Task.Assignee?.Id != me) Me = me;
        }
        // Forms always carry the version on screen, so a retry after "changed by someone else" is made against what the user now sees.
        Version = Task.Version;
        DeviceVersion = Device?.Version;
        if (FailedForm != "Device" && Device is not null)
        {
            (Hostname, ExternalId, OperatingSystem, Site, Tags) = (Device.Hostname, Device.ExternalId, Device.OperatingSystem, Device.Site, string.Join(", ", Device.Tags));
        }
    }
}
