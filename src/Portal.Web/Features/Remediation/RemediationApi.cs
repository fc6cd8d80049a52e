using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;
using Portal.Infrastructure.Http;
using Portal.Infrastructure.RateLimiting;

namespace Portal.Features.Remediation;

/// <summary>
/// The remediation API under /api/v1: devices, tasks, bulk updates from RMM tools, progress roll-ups, export. Each
/// endpoint only translates HTTP to one Mediator message and back.
/// </summary>
public static class RemediationApi
{
    public sealed record DeviceBody(string? Hostname, string? ExternalId, string? OperatingSystem, string? Site, string[]? Tags);
    public sealed record CreateTaskBody(Guid? DeviceId, string? Title);
    public sealed record ChangeTaskStateBody(RemediationState? State, string? Reason);
    public sealed record AssignTaskBody(Guid? AssigneeId);
    /// <param name="Version">The task's version as you read it (its ETag, or the list's version): only if nobody changed it since; else this item is stale_version.</param>
    public sealed record BulkItemBody(string? ExternalId, Guid? TaskId, long? Version);
    public sealed record BulkChangeBody(RemediationState? State, string? Reason, BulkItemBody[]? Items, string? Summary);

    public sealed record ListDevicesParameters(
        [property: FromQuery(Name = "q")] string? Q,
        [property: FromQuery(Name = "os")] string? Os,
        [property: FromQuery(Name = "site")] string? Site,
        [property: FromQuery(Name = "tag")] string? Tag,
        [property: FromQuery(Name = "cursor")] string? Cursor,
        [property: FromQuery(Name = "limit")] int? Limit);

    public sealed record ListTasksParameters(
        [property: FromQuery(Name = "state")] string[]? State,
        [property: FromQuery(Name = "site")] string? Site,
        [property: FromQuery(Name = "tag")] string? Tag,
        [property: FromQuery(Name = "q")] string? Q,
        [property: FromQuery(Name = "cursor")] string? Cursor,
        [property: FromQuery(Name = "limit")] int? Limit,
        [property: FromQuery(Name = "assigneeId"), System.ComponentModel.Description("Only the tasks assigned to this person (your own id is `userId` in GET /me).")] Guid? AssigneeId,
        [property: FromQuery(Name = "unassigned"), System.ComponentModel.Description("true: only the tasks nobody has taken.")] bool? Unassigned);

    public static void MapRemediationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Remediation").RequireAuthorization();

        // devices
        api.MapGet("/tenants/{tenantId:guid}/devices", async (Guid tenantId, [AsParameters] ListDevicesParameters p, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new ListDevices(tenantId, p.Q, p.Os, p.Site, p.Tag, p.Cursor, p.Limit ?? 100), ct)))
            .WithName("ListDevices").WithSummary("A tenant's devices in key order, keyset-paged: pass 'next' as cursor; limit ≤ 500.");

        api.MapPost("/tenants/{tenantId:guid}/devices", async Task<Created<DeviceView>> (Guid tenantId, DeviceBody body, IMediator mediator, HttpContext http, CancellationToken ct) =>
        {
            var device = await mediator.Send(new CreateDevice(tenantId, body.Hostname, body.ExternalId, body.OperatingSystem, body.Site, body.Tags), ct);
            http.Response.Headers.ETag = device.ETag;
            return TypedResults.Created($"/api/v1/devices/{device.Id}", device);
        }).WithName("CreateDevice").WithSummary("Register a device; 409 duplicate_device when its external id (or hostname without one) exists in the tenant.");

        api.MapGet("/devices/{id:guid}", async (Guid id, IMediator mediator, HttpContext http, CancellationToken ct) =>
            WithETag(http, await mediator.Send(new GetDevice(id), ct)))
            .WithName("GetDevice").WithSummary("One device; its ETag is the version to send in If-Match.");

        api.MapPut("/devices/{id:guid}", async (Guid id, DeviceBody body, [FromHeader(Name = "If-Match")] string? ifMatch, IMediator mediator, HttpContext http, CancellationToken ct) =>
            WithETag(http, await mediator.Send(new UpdateDevice(id, body.Hostname, body.ExternalId, body.OperatingSystem, body.Site, body.Tags, HttpInput.IfMatchVersion(ifMatch)), ct)))
            .WithName("UpdateDevice").WithSummary("Replace a device's fields; 409 duplicate_device when the new key belongs to another device. With If-Match, only if nobody changed the device since.");

        // tasks
        api.MapPost("/incidents/{id:guid}/tasks", async Task<Created<TaskView>> (Guid id, CreateTaskBody body, IMediator mediator, HttpContext http, CancellationToken ct) =>
        {
            var task = await mediator.Send(new CreateTask(id, body.DeviceId, body.Title), ct);
            http.Response.Headers.ETag = task.ETag;
            return TypedResults.Created($"/api/v1/tasks/{task.Id}", task);
        }).WithName("CreateTask").WithSummary("A task for a device of the incident's tenant (one per device, else 409 duplicate_task), or a free task with a title.");

        api.MapGet("/incidents/{id:guid}/tasks", async (Guid id, [AsParameters] ListTasksParameters p, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new ListTasks(id, HttpInput.EnumNames<RemediationState>(p.State, "state"), p.Site, p.Tag, p.Q, p.Cursor, p.Limit ?? 100,
                p.AssigneeId, p.Unassigned), ct)))
            .WithName("ListTasks").WithSummary("The incident's tasks in creation order, keyset-paged; filter by state (repeatable), site, tag, q (hostname prefix), assigneeId or unassigned.");

        api.MapPost("/incidents/{id:guid}/tasks/bulk-state", async (Guid id, BulkChangeBody body, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new BulkChangeTaskState(id, body.State, body.Reason,
                body.Items is null ? null : [.. body.Items.Select(i => i is null ? null! : new BulkItem(i.ExternalId, i.TaskId, i.Version))], body.Summary), ct)))
            .RequireTighterRateLimit(RateLimitingSetup.BulkUpdatesBudget)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("BulkChangeTaskState").WithBodyLimit(BodyLimit.Bulk)
            .WithSummary("Set the state of up to 10,000 tasks by externalId or taskId in one transaction; per-item updated / unchanged / not_found / not_allowed, or stale_version when an item's version is not the task's any more.");

        api.MapGet("/incidents/{id:guid}/tasks.csv", async (Guid id, IMediator mediator, CancellationToken ct) =>
        {
            var export = await mediator.Send(new ExportTasks(id), ct);
            return TypedResults.Stream(body => TaskCsv.WriteAsync(body, export.Rows, ct), "text/csv; charset=utf-8", export.FileName);
        }).WithName("ExportTasks").WithSummary("The task list as CSV, streamed; cells that a spreadsheet would evaluate start with an apostrophe.");

        api.MapGet("/tasks/{taskId:guid}", async (Guid taskId, IMediator mediator, HttpContext http, CancellationToken ct) =>
            WithETag(http, await mediator.Send(new GetTask(taskId), ct)))
            .WithName("GetTask").WithSummary("One task: its device, state, reason, assignee and the states it may move to next; its ETag is the version to send in If-Match.");

        api.MapPost("/tasks/{taskId:guid}/state", async (Guid taskId, ChangeTaskStateBody body, [FromHeader(Name = "If-Match")] string? ifMatch, IMediator mediator, HttpContext http, CancellationToken ct) =>
            WithETag(http, await mediator.Send(new ChangeTaskState(taskId, body.State, body.Reason, HttpInput.IfMatchVersion(ifMatch)), ct)))
            .WithName("ChangeTaskState").WithSummary("Move one task along the documented transitions; the same state again changes nothing. With If-Match, only from that version.");

        api.MapPost("/tasks/{taskId:guid}/assign", async (Guid taskId, AssignTaskBody body, [FromHeader(Name = "If-Match")] string? ifMatch, IMediator mediator, HttpContext http, CancellationToken ct) =>
            WithETag(http, await mediator.Send(new AssignTask(taskId, body.AssigneeId, HttpInput.IfMatchVersion(ifMatch)), ct)))
            .WithName("AssignTask").WithSummary("Assign to an engineer or lead of a managing MSP, or unassign with null. With If-Match, only if nobody changed the task since.");

        api.MapGet("/tasks/{taskId:guid}/history", async (Guid taskId, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetTaskHistory(taskId), ct)))
            .WithName("GetTaskHistory").WithSummary("Every move of the task, oldest first.");

        // progress
        api.MapGet("/incidents/{id:guid}/progress", async (Guid id, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetIncidentProgress(id), ct)))
            .WithName("GetIncidentProgress").WithSummary("Device task counts per state of an incident (free tasks are listed, not counted; customers: their own tenant's).");

        api.MapGet("/tenants/{tenantId:guid}/progress", async (Guid tenantId, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetTenantProgress(tenantId), ct)))
            .WithName("GetTenantProgress").WithSummary("Device task counts per state over a tenant's incidents (customers: their own tenant).");

        api.MapGet("/remediation/progress", async (IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetMspProgress(), ct)))
            .WithName("GetMspProgress").WithSummary("The MSP roll-up: counts per managed tenant and in total.");

        // burn-down
        api.MapGet("/incidents/{id:guid}/burn-down", async (Guid id, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetIncidentBurnDown(id), ct)))
            .WithName("GetIncidentBurnDown").WithSummary("Total and finished device tasks over time (at most 500 points, Unix seconds); customers: their own tenant's.");

        api.MapGet("/tenants/{tenantId:guid}/burn-down", async (Guid tenantId, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetTenantBurnDown(tenantId), ct)))
            .WithName("GetTenantBurnDown").WithSummary("The tenant's burn-down: its incidents' device tasks added up over time; customers: their own tenant.");
    }

    private static Ok<TaskView> WithETag(HttpContext http, TaskView task)
    {
        http.Response.Headers.ETag = task.ETag;
        return TypedResults.Ok(task);
    }

    private static Ok<DeviceView> WithETag(HttpContext http, DeviceView device)
    {
        http.Response.Headers.ETag = device.ETag;
        return TypedResults.Ok(device);
    }
}
