using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Portal.Benchmarks.Escalations;

/// <summary>
/// The local webhook receiver both paths of the outbox measurement send to: a slim ASP.NET Core app on its own loopback
/// listener in the benchmark's process. It reads the body, counts the request and its <c>Portal-Delivery-Id</c> (a second
/// request with the same id is a repeat) and answers 200: nothing heavy, no signature check, so both paths pay the same.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _ids = new();
    private long _requests;
    private long _lastAt;

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    /// <summary>Requests received since the last <see cref="Reset"/>.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Distinct delivery ids among them.</summary>
    public int DistinctIds => _ids.Count;

    /// <summary><see cref="Stopwatch.GetTimestamp"/> when the last request was received.</summary>
    public long LastAt => Interlocked.Read(ref _lastAt);

    public void Reset()
    {
        _ids.Clear();
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _lastAt, 0);
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], EnvironmentName = Environments.Production });
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpContext context) =>
        {
            // The body is read to its end, as any receiver must before it answers.
            var buffer = new byte[4096];
            while (await context.Request.Body.ReadAsync(buffer, context.RequestAborted) > 0) { }
            var id = context.Request.Headers["Portal-Delivery-Id"].ToString();
            receiver._ids.AddOrUpdate(id, 1, (_, n) => n + 1);
            Interlocked.Exchange(ref receiver._lastAt, Stopwatch.GetTimestamp());
            Interlocked.Increment(ref receiver._requests);
            return Results.Ok();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(address.TrimEnd('/') + "/hook");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
