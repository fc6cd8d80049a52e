using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.StaticAssets;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Http;

namespace Portal.Infrastructure.RateLimiting;

/// <summary>
/// The HTTP pipeline's one limiter; runs after the Portal user is resolved (<see cref="PortalUserMiddleware"/>).
/// A signed-in user's API and hub requests and page form posts draw on their user and organisation budgets, uploads and
/// bulk updates on a tighter one of the user's as well (<see cref="TighterRateLimitAttribute"/>); a request without a
/// Portal user to the API, the hub or an anonymous endpoint (sign-in, the feed, unsubscribe links) on its client address;
/// anything else (a signed-in user's page views, static files, the status page answering an error) is not counted.
/// Endpoints with <c>DisableRateLimiting</c> (health probes) never reach it.
/// </summary>
public sealed class PortalRequestLimiter(PortalRateLimits limits) : PartitionedRateLimiter<HttpContext>
{
    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    /// <summary>
    /// The rate limiting middleware asks again (<see cref="AcquireAsyncCore"/>) after a refusal. The second answer is the
    /// first one, so that a refused request is charged once.
    /// </summary>
    private static readonly object FirstRefusal = new();

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        var lease = Decide(resource);
        if (!lease.IsAcquired) resource.Items[FirstRefusal] = lease;
        return lease;
    }

    // No queue: waiting is the same answer as trying, and this request has been charged already.
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(resource.Items.TryGetValue(FirstRefusal, out var first) && first is RateLimitLease refusal
            ? refusal
            : AttemptAcquireCore(resource, permitCount));

    private RateLimitLease Decide(HttpContext resource)
    {
        if (IsErrorPage(resource)) return NotCounted.Instance;
        var request = resource.Request;
        var apiOrHub = ErrorPages.IsApiOrHub(request.Path);
        if (resource.RequestServices.GetRequiredService<CurrentUser>().Access is { } access)
        {
            // A page's form post runs the same commands as the API; a page view is a person reading.
            if (!apiOrHub && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))) return NotCounted.Instance;
            var lease = limits.AcquireFor(access);
            if (!lease.IsAcquired || TighterBudgetOf(resource) is not { } budget) return lease;
            lease.Dispose();
            return limits.AcquireFor(budget, access.UserId);
        }
        if (apiOrHub || IsAnonymousRoute(resource.GetEndpoint()))
            return limits.AcquireForAddress(resource.Connection.RemoteIpAddress);
        return NotCounted.Instance;
    }

    /// <summary>The tighter budget this request draws on too (an upload, a bulk update; by the API or a page's form), if any.</summary>
    private static string? TighterBudgetOf(HttpContext resource)
    {
        if (resource.GetEndpoint() is not { } endpoint) return null;
        foreach (var limit in endpoint.Metadata.GetOrderedMetadata<TighterRateLimitAttribute>())
            if (limit.AppliesTo(resource.Request)) return limit.Budget;
        return null;
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
