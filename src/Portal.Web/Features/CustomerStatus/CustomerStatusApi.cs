using Mediator;
using Microsoft.Net.Http.Headers;
using Portal.Infrastructure.Http;
using Portal.Infrastructure.OpenApi;

namespace Portal.Features.CustomerStatus;

public static class CustomerStatusApi
{
    public static void MapCustomerStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/tenants/{tenantId:guid}/status", async (Guid tenantId, long? sequence, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                // The access check runs in the Mediator pipeline first: a foreign tenant is 404 whatever the client sends.
                var snapshot = await mediator.Send(new GetCustomerStatus(tenantId, sequence), ct);
                http.Response.Headers.ETag = snapshot.ETag;
                http.Response.Headers.CacheControl = "private, no-cache";
                return NotModified(http.Request, snapshot.ETag) ? Results.StatusCode(StatusCodes.Status304NotModified) : new Utf8JsonResult(snapshot.Json);
            })
            .RequireAuthorization()
            .WithTags("Customer status")
            .WithName("GetCustomerStatus")
            .WithMetadata(new SetsETagAttribute())
            .WithSummary("The customer-visible status of one tenant: open incidents and those resolved in the last 24 hours (closed since or not) with their customer updates, and the " +
                "providers' advisories that target the tenant (open ones, then those resolved in the last 7 days) with their latest update. " +
                "Pass ?sequence=N (the last live event number seen on the tenant stream) to be sure the answer includes it. " +
                "Send the ETag back in If-None-Match to get 304 Not Modified (no body) while the status is unchanged.")
            .Produces<CustomerStatusView>()
            .Produces(StatusCodes.Status304NotModified);
    }

    /// <summary>RFC 9110 13.1.2: If-None-Match is false when it is * or lists the current ETag under weak comparison (W/"x" matches "x").</summary>
    private static bool NotModified(HttpRequest request, string etag) =>
        request.GetTypedHeaders().IfNoneMatch is { Count: > 0 } tags && EntityTagHeaderValue.TryParse(etag, out var current)
        && tags.Any(tag => tag.Tag == EntityTagHeaderValue.Any.Tag || tag.Compare(current, useStrongComparison: false));
}
