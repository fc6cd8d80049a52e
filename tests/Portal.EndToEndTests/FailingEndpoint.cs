using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Portal.EndToEndTests;

/// <summary>
/// GET /test/boom fails with an unexpected exception: a deterministic 500 that exists only in the test app (added by
/// <see cref="PortalApp"/>), never in the product. It answers after the app's own endpoints, inside its exception handler.
/// </summary>
public sealed class FailingEndpoint : IStartupFilter
{
    public const string Path = "/test/boom";

    /// <summary>The trace id of each failure where it was thrown: the id the server's logs and traces know it by.</summary>
    public ConcurrentQueue<string> TraceIds { get; } = new();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        next(app);
        app.Map(Path, b => b.Run(context =>
        {
            TraceIds.Enqueue(Activity.Current?.Id ?? context.TraceIdentifier);
            throw new InvalidOperationException("Test-only failure: must not reach the browser");
        }));
    };
}
