using Mediator;

namespace Portal.Features.CustomerStatus;

public static class CustomerStatusApi
{
    public static void MapCustomerStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/tenants/{tenantId:guid}/status", async (Guid tenantId, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var snapshot = await mediator.Send(new GetCustomerStatus(tenantId), ct);
                http.Response.Headers.ETag = snapshot.ETag;
                http.Response.Headers.CacheControl = "private, no-cache";
                return Results.Bytes(snapshot.Json, "application/json");
            })
            .RequireAuthorization()
            .WithTags("Customer status")
            .WithName("GetCustomerStatus")
            .WithSummary("The customer-visible status of one tenant: open and recently resolved incidents with their customer updates.")
            .Produces<CustomerStatusView>();
    }
}
