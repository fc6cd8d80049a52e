using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Portal.Infrastructure.Http;

namespace Portal.Infrastructure.RateLimiting;

/// <summary>
/// ASP.NET Core's rate limiter with Portal's partitions (<see cref="PortalRequestLimiter"/>), which include two tighter
/// per-user budgets for expensive routes and forms (<see cref="TighterRateLimitAttribute"/>). A refusal is 429 with
/// <c>Retry-After</c>: problem details for the API, the hub and every non-browser client; the status page in the layout
/// for a browser.
/// </summary>
public static class RateLimitingSetup
{
    /// <summary>Device import uploads: <see cref="RateLimitOptions.Uploads"/> per user.</summary>
    public const string UploadsBudget = "uploads";

    /// <summary>Bulk task state updates: <see cref="RateLimitOptions.BulkUpdates"/> per user.</summary>
    public const string BulkUpdatesBudget = "bulk-updates";

    public static void AddPortalRateLimiting(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section)
            .Validate(o => o.PerUser.IsValid && o.PerOrganisation.IsValid && o.PerAnonymousAddress.IsValid && o.Uploads.IsValid && o.BulkUpdates.IsValid,
                $"Every limit in '{RateLimitOptions.Section}' needs a Burst and a PerMinute above 0.")
            .ValidateOnStart();
        builder.Services.AddSingleton<PortalRateLimits>();
        builder.Services.AddSingleton<PortalRequestLimiter>();
        builder.Services.AddRateLimiter(_ => { }); // the middleware's services; its options need the limiter from DI, below
        builder.Services.AddOptions<RateLimiterOptions>().Configure<PortalRequestLimiter>((o, requests) =>
        {
            // One limiter decides everything, tighter budgets included: no endpoint policies, so no second limiter can refuse
            // a request this one has already charged.
            o.GlobalLimiter = requests;
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = RejectAsync;
        });
    }

    /// <summary>The route also draws on a tighter per-user budget (<see cref="UploadsBudget"/>, <see cref="BulkUpdatesBudget"/>).</summary>
    public static TBuilder RequireTighterRateLimit<TBuilder>(this TBuilder builder, string budget) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new TighterRateLimitAttribute(budget));

    /// <summary>After the Portal user is resolved (the partition keys), before authorization and the endpoint.</summary>
    public static WebApplication UsePortalRateLimiting(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }

    /// <summary>Whole seconds until a permit is free, at least one (what <c>Retry-After</c> and the hub's message say).</summary>
    public static int RetryAfterSeconds(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var seconds = RetryAfterSeconds(context.Lease);
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        // A browser gets the 429 status page in the layout (status code pages fill the empty body).
        if (ErrorPages.WantsHtml(http.Request)) return;
        // Written as problem+json whatever the client accepts (a feed reader asks for Atom), so the body is never empty.
        await TypedResults.Problem(
            title: "Too many requests",
            detail: $"Too many requests in a short time. Try again in {seconds} s.",
            statusCode: StatusCodes.Status429TooManyRequests,
            type: "https://tools.ietf.org/html/rfc6585#section-4", // ASP.NET Core's defaults name the RFC of the other statuses, not this one
            extensions: new Dictionary<string, object?> { ["code"] = "rate_limited", ["retryAfterSeconds"] = seconds, ["traceId"] = ErrorPages.TraceId(http) })
            .ExecuteAsync(http);
    }
}
