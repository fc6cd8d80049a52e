using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.StaticAssets;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Http;

namespace Portal.Infrastructure.RateLimiting;

/// <summary>
/// The global limiter of the HTTP pipeline; runs after the Portal user is resolved (<see cref="PortalUserMiddleware"/>).
/// A signed-in user's API and hub requests draw on their user and organisation budgets; a request without a Portal user
/// to the API, the hub or an anonymous endpoint (sign-in, the feed, unsubscribe links) on its client address; anything
/// else (pages of a signed-in user, static files) is not counted. Endpoints with <c>DisableRateLimiting</c> (health
/// probes) never reach it.
/// </summary>
public sealed class PortalRequestLimiter(PortalRateLimits limits) : PartitionedRateLimiter<HttpContext>
{
    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    /// <summary>
    /// The rate limiting middleware asks again (<see cref="AcquireAsyncCore"/>) after any refusal, this limiter's or an
    /// endpoint policy's (uploads, bulk updates). The second answer is the first one, so that a request is charged once:
    /// kept for the request when it was a refusal, or a permit on a route with a policy of its own.
    /// </summary>
    private static readonly object FirstAnswer = new();

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        var lease = Decide(resource);
        if (!lease.IsAcquired || (lease != NotCounted.Instance && resource.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>() is not null))
            resource.Items[FirstAnswer] = lease;
        return lease;
    }

    // No queue: waiting is the same answer as trying, and this request has been charged already.
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(resource.Items.TryGetValue(FirstAnswer, out var first) && first is RateLimitLease lease
            ? lease.IsAcquired ? NotCounted.Instance : lease
            : AttemptAcquireCore(resource, permitCount));

    private RateLimitLease Decide(HttpContext resource)
    {
        var request = resource.Request;
        var apiOrHub = ErrorPages.IsApiOrHub(request.Path);
        if (resource.RequestServices.GetRequiredService<CurrentUser>().Access is { } access)
            return apiOrHub ? limits.AcquireFor(access) : NotCounted.Instance;
        if ((apiOrHub || IsAnonymousRoute(resource.GetEndpoint())) && !IsErrorPage(resource))
            return limits.AcquireForAddress(resource.Connection.RemoteIpAddress);
        return NotCounted.Instance;
    }

    /// <summary>Sign-in, the feed, unsubscribe links...; static files (also open to anyone) are not counted.</summary>
    private static bool IsAnonymousRoute(Endpoint? endpoint) =>
        endpoint is not null && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null && endpoint.Metadata.GetMetadata<StaticAssetDescriptor>() is null;

    /// <summary>The status page re-executed for a refusal (or another error) answers it; it is not a second request.</summary>
    private static bool IsErrorPage(HttpContext context) =>
        context.Features.Get<IStatusCodeReExecuteFeature>() is not null || context.Features.Get<IExceptionHandlerPathFeature>() is not null;

    private sealed class NotCounted : RateLimitLease
    {
        public static readonly NotCounted Instance = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
