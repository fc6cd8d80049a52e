namespace Portal.Infrastructure.Jobs;

/// <summary>
/// A hosted service whose stop runs once: a second <see cref="StopAsync"/>, concurrent or later, waits for the first.
/// Hangfire's server needs it. A host can be stopped twice at once: under <c>WebApplicationFactory</c> the test's
/// <c>Host.StopAsync</c> fires ApplicationStopping, which wakes the application's own <c>app.Run()</c> into a second
/// <c>Host.StopAsync</c> (dotnet/aspnetcore#40271). Hangfire 1.8's <c>BackgroundJobServerHostedService</c> then waits for its
/// server twice; when the first stop ends the host disposes the server, which skips its own wait because someone "is
/// awaiting" and disposes the dispatcher under the second waiter (an <c>ArgumentNullException</c> from its
/// <c>CountdownEvent</c>, not the <c>ObjectDisposedException</c> Hangfire catches).
/// </summary>
internal sealed class StopsOnceHostedService(IHostedService inner) : IHostedService, IDisposable
{
    private readonly Lock _gate = new();
    private Task? _stopping;

    /// <summary>The wrapped service, for the tests that check the wiring.</summary>
    public IHostedService Inner => inner;

    public Task StartAsync(CancellationToken cancellationToken) => inner.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_gate) return _stopping ??= inner.StopAsync(cancellationToken);
    }

    public void Dispose() => (inner as IDisposable)?.Dispose();

    /// <summary>Wraps the hosted service the last registration added (what <c>AddHangfireServer</c> registers: a factory).</summary>
    public static void WrapLastRegistration(IServiceCollection services)
    {
        var added = services[^1];
        if (added.ServiceType != typeof(IHostedService) || added.IsKeyedService || added.ImplementationFactory is not { } create)
            throw new InvalidOperationException($"Expected the last registration to be a hosted service made by a factory, found {added}.");
        services[^1] = ServiceDescriptor.Describe(typeof(IHostedService), provider => new StopsOnceHostedService((IHostedService)create(provider)), added.Lifetime);
    }
}
