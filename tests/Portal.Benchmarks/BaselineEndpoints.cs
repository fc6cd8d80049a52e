using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Portal.Benchmarks;

/// <summary>Bytes captured once from a Portal response, served again as they are.</summary>
public sealed record BaselineResponse(byte[] Body, string ContentType, string? ETag, string? CacheControl);

/// <summary>What the baseline and control endpoints serve; filled in once the harness has fetched it from Portal.</summary>
public sealed class BaselineResponses
{
    public BaselineResponse? Json { get; set; }
    public BaselineResponse? Page { get; set; }

    /// <summary>Makes one customer-visible change in the benchmarked tenant through Portal's API; returns Portal's status code.</summary>
    public Func<CancellationToken, Task<int>>? MakeChange { get; set; }
}

/// <summary>
/// Adds, ahead of Portal's pipeline in the same process and Kestrel server, the baselines of the status
/// scenario and two control endpoints for bench.sh. Everything under /bench is anonymous and branches off
/// before Portal's middleware (exception handler, authentication, the Portal user lookup, authorization):
///   GET  /bench/bare-json   the status JSON bytes Portal served for the tenant, as a bare minimal endpoint
///   GET  /bench/bare-page   the status page HTML bytes, likewise
///   GET  /bench/counters    database commands counted so far, SQLite's memory in use and the bytes the process has allocated
///                           ("name value" lines; the last two for measuring memory by hand)
///   POST /bench/change      one customer-visible change in the tenant, made through Portal's API
/// Portal requests pay one path-prefix check for this branch and nothing else.
/// </summary>
public sealed class BaselineEndpoints(BaselineResponses responses, QueryCounter queries) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.MapWhen(context => context.Request.Path.StartsWithSegments("/bench", StringComparison.Ordinal), bench =>
        {
            bench.UseRouting();
            bench.UseEndpoints(endpoints =>
            {
                endpoints.MapGet("/bench/bare-json", context => Serve(context, responses.Json));
                endpoints.MapGet("/bench/bare-page", context => Serve(context, responses.Page));
                endpoints.MapGet("/bench/counters", context =>
                {
                    context.Response.ContentType = "text/plain";
                    var memory = $"sqlite_memory_bytes {SQLitePCL.raw.sqlite3_memory_used()}\nallocated_bytes {GC.GetTotalAllocatedBytes(precise: true)}\n";
                    return context.Response.WriteAsync(queries.Snapshot() + memory, context.RequestAborted);
                });
                endpoints.MapPost("/bench/change", async context =>
                {
                    var makeChange = responses.MakeChange;
                    context.Response.StatusCode = makeChange is null ? StatusCodes.Status503ServiceUnavailable : await makeChange(context.RequestAborted);
                });
            });
        });
        next(app);
    };

    /// <summary>As cheap as ASP.NET Core can serve bytes: no auth, no mediator, no serialisation; the same headers Portal sent.</summary>
    private static Task Serve(HttpContext context, BaselineResponse? response)
    {
        if (response is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        var headers = context.Response.Headers;
        headers.ContentType = response.ContentType;
        headers.ContentLength = response.Body.Length;
        if (response.ETag is not null) headers.ETag = response.ETag;
        if (response.CacheControl is not null) headers.CacheControl = response.CacheControl;
        return context.Response.Body.WriteAsync(response.Body, context.RequestAborted).AsTask();
    }
}
