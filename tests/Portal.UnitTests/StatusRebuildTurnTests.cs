using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Features.CustomerStatus;
using Portal.Infrastructure.Telemetry;
using Shouldly;

namespace Portal.UnitTests;

/// <summary>
/// Readers that miss the status cache take turns to rebuild it. A reader that waited takes the view of a rebuild that began
/// after it arrived (that view includes everything committed before the reader came), never one that began before it.
/// </summary>
public sealed class StatusRebuildTurnTests : IDisposable
{
    private static readonly Guid Tenant = Guid.NewGuid();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly CustomerStatusCache _cache;

    public StatusRebuildTurnTests() =>
        _cache = new CustomerStatusCache(Options.Create(new JsonOptions()), new NoPages(), TimeProvider.System,
            new PortalMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));

    private CustomerStatusSnapshot Built(long sequence) =>
        _cache.Store(new CustomerStatusView(Tenant, "Northwind", DateTimeOffset.UtcNow, sequence, 0, []), generation: -1); // served, not kept

    [Fact]
    public async Task Readers_that_waited_take_the_view_of_a_rebuild_that_began_after_they_arrived()
    {
        var first = await _cache.EnterRebuildAsync(Tenant, Ct);
        first.Finished.ShouldBeNull();
        first.Begin(); // rebuild 1 reads the database…

        // …two readers miss meanwhile and wait: rebuild 1 may predate what they must see.
        var second = _cache.EnterRebuildAsync(Tenant, Ct).AsTask();
        var third = _cache.EnterRebuildAsync(Tenant, Ct).AsTask();
        second.IsCompleted.ShouldBeFalse("one rebuild at a time");
        first.Finish(Built(1));
        first.Dispose();

        using (var turn = await second)
        {
            turn.Finished.ShouldBeNull("rebuild 1 began before this reader arrived");
            turn.Begin();
            turn.Finish(Built(2));
        }
        using (var turn = await third)
        {
            turn.Finished.ShouldNotBeNull("rebuild 2 began after this reader arrived").View.Sequence.ShouldBe(2);
        }

        // A reader arriving after rebuild 2 began needs a rebuild of its own.
        using var later = await _cache.EnterRebuildAsync(Tenant, Ct);
        later.Finished.ShouldBeNull();
    }

    [Fact]
    public async Task A_turn_finishes_only_a_rebuild_it_began()
    {
        using var turn = await _cache.EnterRebuildAsync(Tenant, Ct);
        Should.Throw<InvalidOperationException>(() => turn.Finish(Built(1)));
    }

    public void Dispose() => _services.Dispose();

    private sealed class NoPages : IOutputCacheStore
    {
        public ValueTask EvictByTagAsync(string tag, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken) => ValueTask.FromResult<byte[]?>(null);
        public ValueTask SetAsync(string key, byte[] value, string[]? tags, TimeSpan validFor, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
