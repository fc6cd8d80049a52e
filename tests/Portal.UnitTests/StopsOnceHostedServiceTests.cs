using Hangfire;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portal.Infrastructure.Jobs;
using Shouldly;

namespace Portal.UnitTests;

/// <summary>
/// A host stopped twice at once (WebApplicationFactory does it, dotnet/aspnetcore#40271) stops Hangfire's server once:
/// the second stop waits for the first instead of racing the disposal that follows it.
/// </summary>
public sealed class StopsOnceHostedServiceTests
{
    [Fact]
    public async Task A_second_stop_while_the_first_runs_waits_for_it_and_does_not_stop_the_service_again()
    {
        var inner = new SlowToStop();
        var service = new StopsOnceHostedService(inner);

        var first = service.StopAsync(CancellationToken.None);
        var second = Task.Run(() => service.StopAsync(CancellationToken.None), TestContext.Current.CancellationToken);
        await Task.Delay(50, TestContext.Current.CancellationToken);

        inner.Stops.ShouldBe(1);
        first.IsCompleted.ShouldBeFalse();
        second.IsCompleted.ShouldBeFalse();

        inner.Release();
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        inner.Stops.ShouldBe(1);
    }

    [Fact]
    public async Task A_stop_after_the_first_has_ended_returns_at_once_and_start_and_dispose_reach_the_wrapped_service()
    {
        var inner = new SlowToStop();
        inner.Release();
        var service = new StopsOnceHostedService(inner);

        await service.StartAsync(CancellationToken.None);
        await service.StopAsync(CancellationToken.None);
        await service.StopAsync(CancellationToken.None);
        service.Dispose();

        inner.Starts.ShouldBe(1);
        inner.Stops.ShouldBe(1);
        inner.Disposed.ShouldBeTrue();
    }

    [Fact]
    public async Task Hangfire_s_server_registration_is_wrapped_and_the_real_server_survives_two_stops_at_once_and_the_disposal_after_them()
    {
        var file = Path.Combine(Path.GetTempPath(), $"portal-stops-once-{Guid.NewGuid():N}.db");
        try
        {
            var services = new ServiceCollection().AddLogging();
            services.AddSingleton<JobStorage>(_ => new SQLiteStorage(file, new SQLiteStorageOptions()));
            services.AddHangfire(_ => { });
            services.AddHangfireServer(o => o.WorkerCount = 1);
            StopsOnceHostedService.WrapLastRegistration(services);

            for (var round = 0; round < 3; round++)
            {
                var provider = services.BuildServiceProvider();
                var hosted = provider.GetServices<IHostedService>().ShouldHaveSingleItem().ShouldBeOfType<StopsOnceHostedService>();
                hosted.Inner.ShouldBeOfType<BackgroundJobServerHostedService>();

                await hosted.StartAsync(CancellationToken.None);
                var stops = new[] { StopOnAnotherThread(hosted), StopOnAnotherThread(hosted) };
                await Task.WhenAny(stops);
                await provider.DisposeAsync(); // what the host does once its own stop has ended
                await Task.WhenAll(stops).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            }
        }
        finally
        {
            foreach (var leftover in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(file) + "*")) File.Delete(leftover);
        }
    }

    [Fact]
    public void Wrapping_refuses_a_last_registration_that_is_not_a_hosted_service_made_by_a_factory()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IHostedService, SlowToStop>();

        Should.Throw<InvalidOperationException>(() => StopsOnceHostedService.WrapLastRegistration(services))
            .Message.ShouldContain("hosted service made by a factory");
    }

    private static Task StopOnAnotherThread(StopsOnceHostedService service) =>
        Task.Run(() => service.StopAsync(CancellationToken.None), TestContext.Current.CancellationToken);

    private sealed class SlowToStop : IHostedService, IDisposable
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _stops;
        public int Starts { get; private set; }
        public int Stops => Volatile.Read(ref _stops);
        public bool Disposed { get; private set; }

        public void Release() => _released.TrySetResult();

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Starts++;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _stops);
            return _released.Task;
        }

        public void Dispose() => Disposed = true;
    }
}
