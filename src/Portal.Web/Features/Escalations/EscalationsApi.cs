using Mediator;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain;

namespace Portal.Features.Escalations;

/// <summary>Escalation policy, on-call rotation and overrides of an MSP, and a contract's tighter targets, under /api/v1.</summary>
public static class EscalationsApi
{
    public sealed record PolicyBody(IReadOnlyList<SeverityTarget>? Targets, IReadOnlyList<LevelInput>? Levels);
    public sealed record RotationBody(string? TimeZone, DayOfWeek? HandoffDay, TimeOnly? HandoffTime, DateOnly? StartsOn, IReadOnlyList<Guid>? Engineers);
    public sealed record OverrideBody(Guid? UserId, DateTimeOffset? From, DateTimeOffset? To);
    public sealed record ContractTargetsBody(IReadOnlyList<SeverityTarget>? Targets);

    public static void MapEscalationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Escalations").RequireAuthorization();

        api.MapGet("/msps/{mspId:guid}/escalation-policy", async (Guid mspId, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetEscalationPolicy(mspId), ct)))
            .WithName("GetEscalationPolicy").WithSummary("The MSP's escalation policy (the default until its lead saves one).");

        api.MapPut("/msps/{mspId:guid}/escalation-policy", async (Guid mspId, PolicyBody body, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new UpdateEscalationPolicy(mspId, body.Targets, body.Levels), ct)))
            .WithName("UpdateEscalationPolicy").WithSummary("Replace the policy: a target per severity, levels per kind in firing order (MspLead).");

        api.MapGet("/msps/{mspId:guid}/on-call/rotation", async (Guid mspId, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetOnCallRotation(mspId), ct)))
            .WithName("GetOnCallRotation").WithSummary("The weekly rotation, its overrides and who is on call now.");

        api.MapPut("/msps/{mspId:guid}/on-call/rotation", async (Guid mspId, RotationBody body, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new UpdateOnCallRotation(mspId, body.TimeZone, body.HandoffDay, body.HandoffTime, body.StartsOn, body.Engineers), ct)))
            .WithName("UpdateOnCallRotation").WithSummary("Set up or change the rotation (MspLead).");

        api.MapPost("/msps/{mspId:guid}/on-call/overrides", async (Guid mspId, OverrideBody body, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new AddOnCallOverride(mspId, body.UserId, body.From, body.To), ct)))
            .WithName("AddOnCallOverride").WithSummary("Give one shift to an engineer; overlapping overrides are refused (MspLead).");

        api.MapDelete("/msps/{mspId:guid}/on-call/overrides/{overrideId:guid}", async (Guid mspId, Guid overrideId, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new RemoveOnCallOverride(mspId, overrideId), ct)))
            .WithName("RemoveOnCallOverride").WithSummary("Remove an override (MspLead).");

        api.MapGet("/msps/{mspId:guid}/on-call", async (Guid mspId, [FromQuery(Name = "at")] DateTimeOffset? at, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetOnCallNow(mspId, at), ct)))
            .WithName("GetOnCallNow").WithSummary("Who is on call now, or at ?at=.");

        api.MapGet("/msps/{mspId:guid}/escalation-targets", async (Guid mspId, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new ListContractTargets(mspId), ct)))
            .WithName("ListContractTargets").WithSummary("Each tenant the MSP manages now, with its contract's tighter targets and the targets in effect.");

        api.MapPut("/tenants/{tenantId:guid}/escalation-targets", async (Guid tenantId, ContractTargetsBody body, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new TightenContractTargets(tenantId, body.Targets), ct)))
            .WithName("TightenContractTargets").WithSummary("The tenant's contract tightens the MSP's targets (shorter only; MspLead of the managing MSP).");
    }
}
