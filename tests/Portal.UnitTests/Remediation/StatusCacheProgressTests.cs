using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Features.CustomerStatus;
using Portal.Infrastructure.Telemetry;
using Shouldly;

namespace Portal.UnitTests.Remediation;

/// <summary>
/// Remediation progress has no number on the customer stream, so the status cache cannot tell by sequence whether a
/// snapshot includes it: a snapshot whose rebuild began before the change must not be kept.
/// </summary>
public sealed class StatusCacheProgressTests : IDisposable
{
    private static readonly Guid Tenant = Guid.NewGuid();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly CustomerStatusCache _cache;
    private readonly EvictionLog _pages = new();

    public StatusCacheProgressTests() =>
        _cache = new CustomerStatusCache(Options.Create(new JsonOptions()), _pages, TimeProvider.System, new PortalMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));

    private static CustomerStatusView View(long sequence, int completed) => new(Tenant, "Northwind", DateTimeOffset.UtcNow, sequence, 1,
        [new CustomerIncidentView(Guid.NewGuid(), "NWA-1", "Crash", null, Portal.Domain.Severity.Sev1, Portal.Domain.IncidentStatus.Mitigating, null,
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, null, new CustomerProgressView(10, completed, 0, 0), [])]);

    [Fact]
    public async Task A_progress_change_drops_the_snapshot_and_the_rendered_pages()
    {
        _cache.Store(View(5, completed: 1), _cache.GenerationOf(Tenant));
        _cache.TryGet(Tenant, out _).ShouldBeTrue();

        await _cache.InvalidateAsync(Tenant, sequence: null);

        _cache.TryGet(Tenant, out _).ShouldBeFalse("the snapshot says 1 of 10; the counters moved");
        _pages.Evicted.ShouldBe([StatusPageCachePolicy.Tag(Tenant)]);
    }

    [Fact]
    public async Task A_rebuild_that_began_before_a_progress_change_is_served_once_and_not_kept()
    {
        var generation = _cache.GenerationOf(Tenant); // the reader starts its query…
        await _cache.InvalidateAsync(Tenant, sequence: null); // …a bulk update commits meanwhile
        var served = _cache.Store(View(5, completed: 1), generation);

        served.View.Incidents[0].Progress!.Completed.ShouldBe(1, "the reader that built it gets it");
        _cache.TryGet(Tenant, out _).ShouldBeFalse("but nobody else: it may predate the change");

        _cache.Store(View(5, completed: 7), _cache.GenerationOf(Tenant));
        _cache.TryGet(Tenant, out var kept).ShouldBeTrue();
        kept.View.Incidents[0].Progress!.Completed.ShouldBe(7);
    }

    [Fact]
    public async Task A_snapshot_that_already_includes_a_sequenced_change_stays()
    {
        _cache.Store(View(6, completed: 1), _cache.GenerationOf(Tenant)); // rebuilt after the commit, before the reaction ran
        await _cache.InvalidateAsync(Tenant, sequence: 6);
        _cache.TryGet(Tenant, out var kept).ShouldBeTrue();
        kept.View.Sequence.ShouldBe(6);
    }

    public void Dispose() => _services.Dispose();

    private sealed class EvictionLog : IOutputCacheStore
    {
        public List<string> Evicted { get; } = [];
        public ValueTask EvictByTagAsync(string tag, CancellationToken cancellationToken) { Evicted.Add(tag); return ValueTask.CompletedTask; }
        public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken) => ValueTask.FromResult<byte[]?>(null);
        public ValueTask SetAsync(string key, byte[] value, string[]? tags, TimeSpan validFor, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
