using Portal.Domain;
using Portal.Features.Incidents;
using Portal.Features.Remediation;
using Shouldly;

namespace Portal.UnitTests;

/// <summary>
/// The customers' shared view of an incident: the crowd that refetches after a change shares one build; a change drops the view;
/// a reader that has seen a newer event than the view holds gets a new build; a failed build is not kept.
/// </summary>
public sealed class CustomerIncidentCacheTests : IDisposable
{
    private readonly CustomerIncidentCache _cache = new();
    private static readonly Guid Incident = Guid.NewGuid();
    private int _builds;
    private long _latestInDatabase = long.MaxValue;
    private int _latestReads;

    /// <summary>The incident's last customer event number in the database, as the handler reads it.</summary>
    private Task<long> Latest()
    {
        Interlocked.Increment(ref _latestReads);
        return Task.FromResult(_latestInDatabase);
    }

    public void Dispose() => _cache.Dispose();

    private static CustomerIncidentSnapshot View(long sequence) => new(
        new IncidentView(Incident, Guid.NewGuid(), "Northwind Airways", "NWA-1", "Kiosks down", null, Severity.Sev2, IncidentStatus.New, null,
            DateTimeOffset.UtcNow, null, null, null, DateTimeOffset.UtcNow, sequence, []),
        [], ProgressView.Zero, sequence, DeviceUpdates: 0);

    /// <summary>A build that takes a while (as a database read does) and says which one it was.</summary>
    private Func<Task<CustomerIncidentSnapshot>> Build(long sequence, TaskCompletionSource? gate = null) => async () =>
    {
        Interlocked.Increment(ref _builds);
        if (gate is not null) await gate.Task;
        return View(sequence);
    };

    [Fact]
    public async Task Fifty_readers_arriving_together_share_one_build()
    {
        var gate = new TaskCompletionSource();
        var readers = Enumerable.Range(0, 50).Select(_ => _cache.GetAsync(Incident, null, Latest, Build(1, gate))).ToList();
        gate.SetResult();
        var views = await Task.WhenAll(readers);
        _builds.ShouldBe(1);
        views.Distinct().Count().ShouldBe(1);

        (await _cache.GetAsync(Incident, null, Latest, Build(2))).CustomerSequence.ShouldBe(1, "kept for the next reader");
        _builds.ShouldBe(1);
    }

    [Fact]
    public async Task A_change_drops_the_view_and_the_next_reader_builds_again()
    {
        (await _cache.GetAsync(Incident, null, Latest, Build(1))).CustomerSequence.ShouldBe(1);
        _cache.Invalidate(Incident);
        (await _cache.GetAsync(Incident, null, Latest, Build(2))).CustomerSequence.ShouldBe(2);
        _builds.ShouldBe(2);
    }

    [Fact]
    public async Task A_reader_that_saw_a_newer_event_gets_a_new_build_and_an_older_or_equal_one_the_kept_view()
    {
        (await _cache.GetAsync(Incident, null, Latest, Build(3))).CustomerSequence.ShouldBe(3);
        (await _cache.GetAsync(Incident, 3, Latest, Build(9))).CustomerSequence.ShouldBe(3);
        (await _cache.GetAsync(Incident, 2, Latest, Build(9))).CustomerSequence.ShouldBe(3);
        _builds.ShouldBe(1);

        _latestReads.ShouldBe(0, "a reader that saw no later event costs no read");

        _latestInDatabase = 4;
        (await _cache.GetAsync(Incident, 4, Latest, Build(4))).CustomerSequence.ShouldBe(4, "made on another instance: built again");
        _builds.ShouldBe(2);
        (await _cache.GetAsync(Incident, null, Latest, Build(9))).CustomerSequence.ShouldBe(4, "and that build is kept for the others");
    }

    [Fact]
    public async Task A_made_up_later_number_costs_one_small_read_and_keeps_the_view()
    {
        _latestInDatabase = 3;
        (await _cache.GetAsync(Incident, null, Latest, Build(3))).CustomerSequence.ShouldBe(3);
        for (var i = 0; i < 5; i++) (await _cache.GetAsync(Incident, 999_999, Latest, Build(9))).CustomerSequence.ShouldBe(3);
        _builds.ShouldBe(1, "no event after 3 exists: nothing to rebuild");
        _latestReads.ShouldBe(5);
    }

    [Fact]
    public async Task The_tenant_of_an_incident_it_built_a_view_of_stays_known_after_a_change()
    {
        _cache.TryGetTenant(Incident, out _).ShouldBeFalse();
        var view = await _cache.GetAsync(Incident, null, Latest, Build(1));
        _cache.TryGetTenant(Incident, out var tenant).ShouldBeTrue();
        tenant.ShouldBe(view.Incident.TenantId);
        _cache.Invalidate(Incident);
        _cache.TryGetTenant(Incident, out tenant).ShouldBeTrue("an incident never changes tenant");
        tenant.ShouldBe(view.Incident.TenantId);
    }

    [Fact]
    public async Task A_failed_build_fails_its_readers_and_is_not_kept()
    {
        var failing = new Func<Task<CustomerIncidentSnapshot>>(() => Task.FromException<CustomerIncidentSnapshot>(new TimeoutException("database fail-over")));
        await Should.ThrowAsync<TimeoutException>(() => _cache.GetAsync(Incident, null, Latest, failing));
        _cache.TryGetTenant(Incident, out _).ShouldBeFalse();
        (await _cache.GetAsync(Incident, null, Latest, Build(1))).CustomerSequence.ShouldBe(1);
    }
}
