using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Portal.Infrastructure.Http;

/// <summary>What a route's body may be; the bytes come from <see cref="RequestLimitsOptions"/>.</summary>
public enum BodyLimit { Json, LongText, Bulk, Form }

/// <summary>
/// Request body limits per route. Kestrel refuses a body past the request's limit (413, as problem details for the API:
/// <see cref="Pipeline.ProblemDetailsExceptionHandler"/>) and cuts off one that arrives slower than the minimum data rate (408).
/// A route that declares its own size (<see cref="IRequestSizeLimitMetadata"/>, e.g. the device import with its configured
/// maximum) is set by routing; any other gets the limit of its <see cref="BodyLimit"/>: the one it names, else JSON for
/// the API and the hub, form for pages. Requests that cannot have a body (GET) are not touched.
/// </summary>
public static class RequestBodyLimits
{
    public static void AddPortalRequestLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RequestLimitsOptions>().Bind(builder.Configuration.GetSection(RequestLimitsOptions.Section))
            .Validate(o => o.JsonBodyBytes > 0 && o.LongTextBodyBytes > 0 && o.BulkBodyBytes > 0 && o.FormBodyBytes > 0 && o.FormValueCount > 0
                           && o.MinBodyBytesPerSecond > 0 && o.MinBodyRateGracePeriod > TimeSpan.FromSeconds(1),
                "RequestLimits must be positive (MinBodyRateGracePeriod over 1 second, as Kestrel requires).")
            .ValidateOnStart();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<RequestLimitsOptions>>((kestrel, limits) =>
        {
            // The backstop for a request the middleware below does not reach; each request gets its route's limit.
            kestrel.Limits.MaxRequestBodySize = limits.Value.JsonBodyBytes;
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(limits.Value.MinBodyBytesPerSecond, limits.Value.MinBodyRateGracePeriod);
        });
        builder.Services.AddOptions<FormOptions>().Configure<IOptions<RequestLimitsOptions>>((form, limits) => form.ValueCountLimit = limits.Value.FormValueCount);
        // The endpoint's body reader answers Kestrel's refusal with a bare 413; its problem says what the limit is.
        builder.Services.Configure<ProblemDetailsOptions>(o =>
        {
            var before = o.CustomizeProblemDetails;
            o.CustomizeProblemDetails = context =>
            {
                before?.Invoke(context);
                var problem = context.ProblemDetails;
                if (problem.Status != StatusCodes.Status413PayloadTooLarge || problem.Detail is not null) return;
                problem.Title = "Request too large";
                problem.Detail = context.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } limit
                    ? string.Create(CultureInfo.InvariantCulture, $"The body is larger than this address accepts ({limit} bytes). Send less, or split it into several calls.")
                    : "The body is larger than this address accepts.";
            };
        });
    }

    public static void UsePortalRequestLimits(this WebApplication app)
    {
        var limits = app.Services.GetRequiredService<IOptions<RequestLimitsOptions>>().Value;
        app.Use(next => context =>
        {
            if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != false
                && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                var metadata = context.GetEndpoint()?.Metadata;
                if (metadata?.GetMetadata<IRequestSizeLimitMetadata>() is null)
                {
                    var kind = metadata?.GetMetadata<BodyLimitMetadata>()?.Limit
                               ?? (ErrorPages.IsApiOrHub(context.Request.Path) ? BodyLimit.Json : BodyLimit.Form);
                    size.MaxRequestBodySize = kind switch
                    {
                        BodyLimit.LongText => limits.LongTextBodyBytes,
                        BodyLimit.Bulk => limits.BulkBodyBytes,
                        BodyLimit.Form => limits.FormBodyBytes,
                        _ => limits.JsonBodyBytes,
                    };
                }
            }
            return next(context);
        });
    }

    /// <summary>This route's body may be as large as <paramref name="limit"/> allows.</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, BodyLimit limit) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BodyLimitMetadata(limit));

    /// <summary>This route's body may be this many bytes (a limit of its own configuration, like the device import's).</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BodySizeMetadata(bytes));

    private sealed record BodyLimitMetadata(BodyLimit Limit);

    /// <summary>Read by routing itself, which sets the request's limit from it.</summary>
    public sealed record BodySizeMetadata(long Bytes) : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => Bytes;
    }
}
