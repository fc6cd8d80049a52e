using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portal.Data;
using Portal.Infrastructure.Auth;

namespace Portal.Infrastructure.Telemetry;

/// <summary>
/// <c>/health/live</c>: the process answers (no checks). <c>/health/ready</c> (and its old name <c>/health</c>): the
/// database and, when configured, the Redis backplane answer; 200 or 503 to anyone, with each check's detail only
/// for a signed-in PlatformAdmin (everyone else gets the status word).
/// </summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan RedisTimeout = TimeSpan.FromSeconds(2);

    public static WebApplicationBuilder AddPortalHealthChecks(this WebApplicationBuilder builder)
    {
        var checks = builder.Services.AddHealthChecks().AddDbContextCheck<PortalDbContext>("database", tags: [ReadyTag]);
        if (builder.Configuration["SignalR:Redis"] is { Length: > 0 } redis)
        {
            builder.Services.AddSingleton(new RedisHealthCheck(redis));
            checks.AddCheck<RedisHealthCheck>("redis", tags: [ReadyTag], timeout: RedisTimeout);
        }
        // A database that does not answer must not hold the probe longer than the load balancer waits.
        builder.Services.Configure<HealthCheckServiceOptions>(o =>
        {
            foreach (var registration in o.Registrations.Where(r => r.Timeout == Timeout.InfiniteTimeSpan)) registration.Timeout = CheckTimeout;
        });
        return builder;
    }

    public static WebApplication MapPortalHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous().DisableRateLimiting();
        var ready = new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync };
        app.MapHealthChecks("/health/ready", ready).AllowAnonymous().DisableRateLimiting();
        app.MapHealthChecks("/health", ready).AllowAnonymous().DisableRateLimiting(); // the name probes used before /health/ready
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var user = context.RequestServices.GetRequiredService<CurrentUser>().Access;
        if (user is not { IsPlatformAdmin: true })
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync(report.Status.ToString(), context.RequestAborted);
        }
        var detail = new HealthDetail(report.Status, report.TotalDuration, [.. report.Entries.Select(e =>
            new HealthCheckDetail(e.Key, e.Value.Status, e.Value.Duration, e.Value.Description ?? e.Value.Exception?.Message))]);
        return context.Response.WriteAsJsonAsync(detail, context.RequestAborted);
    }

    public sealed record HealthDetail(HealthStatus Status, TimeSpan TotalDuration, IReadOnlyList<HealthCheckDetail> Checks);

    public sealed record HealthCheckDetail(string Name, HealthStatus Status, TimeSpan Duration, string? Description);
}
