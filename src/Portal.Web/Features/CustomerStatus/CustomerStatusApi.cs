using Mediator;

namespace Portal.Features.CustomerStatus;

public static class CustomerStatusApi
{
    public static void MapCustomerStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/tenants/{tenantId:guid}/status", async (Guid tenantId, long? sequence, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var snapshot = await mediator.Send(new GetCustomerStatus(tenantId, sequence), ct);
                http.Response.Headers.ETag = snapshot.ETag;
                http.Response.Headers.CacheControl = "private, no-cache";
                return Results.Bytes(snapshot.Json, "application/json");
            })
            .RequireAuthorization()
            .WithTags("Customer status")
            .WithName("GetCustomerStatus")
            .WithSummary("The customer-visible status of one tenant: open and recently resolved incidents with their customer updates. " +
                "Pass ?sequence=N (the last live event number seen on the tenant stream) to be sure the answer includes it.")
            .Produces<CustomerStatusView>();
    }
}
