using System.ComponentModel.DataAnnotations;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.OpenApi;

namespace Portal.Features.Advisories;

/// <summary>The MSP's side of advisories under /api/v1: inbox, acknowledgement, adding/removing tenants, fan-out. Thin: one message per endpoint.</summary>
public static class AdvisoriesMspApi
{
    public sealed record DeviceFilterBody(string? Os, string? Tag, string? Site);
    public sealed record FanOutBody(IReadOnlyList<Guid>? TenantIds, DeviceFilterBody? DeviceFilter)
    {
        public DeviceFilter? Filter => DeviceFilter is { } f ? new DeviceFilter(f.Os, f.Tag, f.Site) : null;
    }

    public static void MapAdvisoriesMspApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Advisories (MSP)").RequireAuthorization();

        // Range: the bounds the handler enforces (invalid_limit), published in the OpenAPI document; minimal APIs do not validate it here.
        api.MapGet("/advisories/inbox", async ([FromQuery] bool? unacknowledged, [FromQuery] Guid? advisoryId, [FromQuery, Range(1, ListAdvisoryInboxHandler.MaxLimit)] int? limit, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new ListAdvisoryInbox(unacknowledged, advisoryId, limit ?? 500), ct)))
            .WithName("ListAdvisoryInbox")
            .WithSummary("The advisories' targets in the tenants your MSP manages: the unacknowledged first (MspEngineer, MspLead).");

        api.MapPost("/advisories/{id:guid}/tenants/{tenantId:guid}/acknowledge", async (Guid id, Guid tenantId, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new AcknowledgeAdvisory(id, tenantId), ct)))
            .WithName("AcknowledgeAdvisory")
            .WithSummary("Acknowledge the advisory for one targeted tenant; again changes nothing (the first who and when stay).");

        api.MapPut("/advisories/{id:guid}/tenants/{tenantId:guid}", async (Guid id, Guid tenantId, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new ChangeAdvisoryTarget(id, tenantId, true), ct)))
            .WithName("AddAdvisoryTenant").WithMetadata(new SendsAttribute(typeof(ChangeAdvisoryTarget)))
            .WithSummary("One of your tenants is affected whatever its subscriptions say: it becomes a target.");

        api.MapDelete("/advisories/{id:guid}/tenants/{tenantId:guid}", async Task<NoContent> (Guid id, Guid tenantId, IMediator mediator, CancellationToken ct) =>
        {
            await mediator.Send(new ChangeAdvisoryTarget(id, tenantId, false), ct);
            return TypedResults.NoContent();
        }).WithName("RemoveAdvisoryTenant").WithMetadata(new SendsAttribute(typeof(ChangeAdvisoryTarget))).WithSummary("One of your tenants is not affected whatever its subscriptions say: it stops being a target.");

        api.MapPost("/advisories/{id:guid}/fan-out/preview", async (Guid id, FanOutBody? body, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new PreviewAdvisoryFanOut(id, body?.TenantIds, body?.Filter), ct)))
            .WithName("PreviewAdvisoryFanOut")
            .WithSummary("How many linked incidents and tasks a fan-out with this body would create, per tenant; writes nothing.");

        api.MapPost("/advisories/{id:guid}/fan-out", async (Guid id, FanOutBody? body, FanOutActions fanOut, CancellationToken ct) =>
            TypedResults.Ok(await fanOut.FanOutAsync(new FanOutAdvisory(id, body?.TenantIds, body?.Filter), ct)))
            .WithName("FanOutAdvisory")
            .WithSummary("Open a linked incident in each targeted tenant you manage (or those named) with a task per matching device; "
                + "tenants that already have theirs get nothing new. deviceFilter: os (contains), tag (one tag), site (equals); case is ignored. "
                + "A large fan-out answers after a few seconds with stillCreatingTasks: true and the tasks made so far; the rest follow in the background.");
    }
}
