using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Portal.Features.Organisations;

/// <summary>A customer tenant's service subscriptions under /api/v1 (its CustomerAdmin, or its MSP's engineers and leads).</summary>
public static class SubscriptionsApi
{
    public sealed record AddSubscriptionBody(Guid? ServiceId, string? Region);

    public static void MapSubscriptionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Organisations").RequireAuthorization();

        api.MapGet("/services", async (IMediator mediator, CancellationToken ct) => TypedResults.Ok(await mediator.Send(new ListAvailableServices(), ct)))
            .WithName("ListAvailableServices")
            .WithSummary("Every provider's services with the regions named for them: what a tenant may declare it uses.")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        api.MapGet("/tenants/{tenantId:guid}/subscriptions", async (Guid tenantId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListServiceSubscriptions(tenantId), ct)))
            .WithName("ListServiceSubscriptions").WithSummary("The provider services (and regions) the tenant uses.");

        api.MapGet("/tenants/{tenantId:guid}/subscriptions/{subscriptionId:guid}", async (Guid tenantId, Guid subscriptionId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetServiceSubscription(tenantId, subscriptionId), ct)))
            .WithName("GetServiceSubscription").WithSummary("One provider service (and region) the tenant uses.")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/tenants/{tenantId:guid}/subscriptions", async Task<Created<ServiceSubscriptionView>> (Guid tenantId, AddSubscriptionBody body, IMediator mediator, CancellationToken ct) =>
            {
                var subscription = await mediator.Send(new AddServiceSubscription(tenantId, body.ServiceId, body.Region), ct);
                return TypedResults.Created($"/api/v1/tenants/{tenantId}/subscriptions/{subscription.Id}", subscription);
            })
            .WithName("AddServiceSubscription")
            .WithSummary("Declare that the tenant uses a provider service, optionally in one region; open advisories of the service are retargeted at once.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        api.MapDelete("/tenants/{tenantId:guid}/subscriptions/{subscriptionId:guid}", async Task<NoContent> (Guid tenantId, Guid subscriptionId, IMediator mediator, CancellationToken ct) =>
            {
                await mediator.Send(new RemoveServiceSubscription(tenantId, subscriptionId), ct);
                return TypedResults.NoContent();
            })
            .WithName("RemoveServiceSubscription")
            .WithSummary("The tenant no longer uses the service (in that region); open advisories of the service are retargeted at once.")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
    }
}
