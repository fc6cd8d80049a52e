using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portal.Infrastructure.Auth;
using Portal.Pipeline.Commit;

namespace Portal.IntegrationTests.Host;

/// <summary>
/// The user-access cache against the real demo database: readers that miss together share one load, and a reader
/// of an ageing entry gets its answer at once while one background load replaces it — never older than the lifetime.
/// </summary>
public sealed class UserAccessCacheTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private (UserAccessCache Cache, FakeTimeProvider Clock) NewCache()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new UserAccessCache(new MemoryCache(new MemoryCacheOptions()), app.Services.GetRequiredService<IServiceScopeFactory>(),
            clock, NullLogger<UserAccessCache>.Instance);
        return (cache, clock);
    }

    [Fact]
    public async Task Readers_that_miss_together_share_one_load()
    {
        var (cache, _) = NewCache();
        using var _ = cache;
        var maya = app.Demo.User(DemoDirectory.Maya);

        var answers = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => cache.GetAsync(maya.Tid, maya.Oid, Ct).AsTask(), Ct)));

        answers.ShouldAllBe(a => a != null && a.UserId == maya.Id);
        answers.Distinct().Count().ShouldBe(1, "one load, so one UserAccess instance for everyone");
    }

    [Fact]
    public async Task An_ageing_entry_is_served_at_once_and_replaced_by_one_background_load()
    {
        var (cache, clock) = NewCache();
        using var _ = cache;
        var maya = app.Demo.User(DemoDirectory.Maya);
        var first = await cache.GetAsync(maya.Tid, maya.Oid, Ct);

        clock.Advance(UserAccessCache.RefreshAfter - TimeSpan.FromSeconds(1));
        (await cache.GetAsync(maya.Tid, maya.Oid, Ct)).ShouldBeSameAs(first, "young enough: no reload");

        clock.Advance(TimeSpan.FromSeconds(2));
        (await cache.GetAsync(maya.Tid, maya.Oid, Ct)).ShouldBeSameAs(first, "the reader that notices the age is not made to wait");

        var deadline = DateTime.UtcNow.AddSeconds(10);
        UserAccess? refreshed;
        do
        {
            await Task.Delay(20, Ct);
            refreshed = await cache.GetAsync(maya.Tid, maya.Oid, Ct);
        }
        while (ReferenceEquals(refreshed, first) && DateTime.UtcNow < deadline);
        refreshed.ShouldNotBeSameAs(first, "the background load replaced the entry");
        refreshed!.UserId.ShouldBe(maya.Id);
    }

    [Fact]
    public async Task After_an_invalidation_the_next_reader_loads_again()
    {
        var (cache, _) = NewCache();
        using var _ = cache;
        var maya = app.Demo.User(DemoDirectory.Maya);
        var first = await cache.GetAsync(maya.Tid, maya.Oid, Ct);

        cache.Invalidate();

        (await cache.GetAsync(maya.Tid, maya.Oid, Ct)).ShouldNotBeSameAs(first);
    }

    [Fact]
    public async Task A_revocation_drops_exactly_the_entries_it_concerns()
    {
        var (cache, _) = NewCache();
        using var _ = cache;
        var maya = app.Demo.User(DemoDirectory.Maya);   // Harbor, which manages Northwind
        var olivia = app.Demo.User(DemoDirectory.Olivia); // Northwind
        var hana = app.Demo.User(DemoDirectory.Hana);   // Woodgrove: nothing to do with either
        var first = new Dictionary<string, UserAccess?>();
        foreach (var u in new[] { maya, olivia, hana }) first[u.Email] = await cache.GetAsync(u.Tid, u.Oid, Ct);

        cache.Revoke(new AccessChange([maya.Id], [], [])).ShouldBe([maya.Id]);
        (await cache.GetAsync(maya.Tid, maya.Oid, Ct)).ShouldNotBeSameAs(first[maya.Email]);
        (await cache.GetAsync(olivia.Tid, olivia.Oid, Ct)).ShouldBeSameAs(first[olivia.Email], "not concerned: kept");

        // By organisation: its members and the MSP people who reach it as a tenant; not the others.
        var maya2 = await cache.GetAsync(maya.Tid, maya.Oid, Ct);
        cache.Revoke(new AccessChange([], [app.Demo.TenantId(DemoDirectory.Northwind)], [])).ShouldBe([maya.Id, olivia.Id], ignoreOrder: true);
        (await cache.GetAsync(maya.Tid, maya.Oid, Ct)).ShouldNotBeSameAs(maya2);
        (await cache.GetAsync(olivia.Tid, olivia.Oid, Ct)).ShouldNotBeSameAs(first[olivia.Email]);
        (await cache.GetAsync(hana.Tid, hana.Oid, Ct)).ShouldBeSameAs(first[hana.Email]);

        // By Entra tenant: whoever signs in from it, even someone cached as unknown.
        var stranger = Guid.NewGuid();
        (await cache.GetAsync(hana.Tid, stranger, Ct)).ShouldBeNull();
        cache.Revoke(new AccessChange([], [], [hana.Tid])).ShouldBe([hana.Id]);
        (await cache.GetAsync(hana.Tid, hana.Oid, Ct)).ShouldNotBeSameAs(first[hana.Email]);
    }

    [Fact]
    public async Task An_unknown_identity_is_remembered_as_unknown()
    {
        var (cache, _) = NewCache();
        using var _ = cache;
        (await cache.GetAsync(Guid.NewGuid(), Guid.NewGuid(), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Many_users_read_in_one_batch_get_the_access_each_reads_alone_in_four_queries()
    {
        using var alone = NewCache().Cache;
        using var batched = NewCache().Cache;
        var someone = app.Demo.User(DemoDirectory.Hana);
        List<(Guid Tid, Guid Oid)> identities =
        [
            .. app.Demo.Users.Select(u => (u.Tid, u.Oid)),
            (someone.Tid, Guid.NewGuid()), // a stranger from a tenant Portal knows
            (Guid.NewGuid(), Guid.NewGuid()), // and from one it does not
        ];
        identities.Count.ShouldBeGreaterThan(10);

        var traceId = ActivityTraceId.CreateRandom();
        using var events = EfCoreEvents.Of(traceId);
        await Task.Delay(TimeSpan.FromSeconds(1.2), Ct); // EF Core asks again whether anyone listens
        var fromBatch = new List<UserAccess?>();
        using (new Activity("batched access read").SetParentId(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start())
        {
            await batched.RefreshAsync(identities, Ct);
            var executed = events.Names().Count(n => n == "Microsoft.EntityFrameworkCore.Database.Command.CommandExecuted");
            executed.ShouldBe(4, $"{identities.Count} users in one batch: the known Entra tenants, the users, the contracts, the organisations (read alone: five each)");
            foreach (var (tid, oid) in identities) fromBatch.Add(await batched.GetAsync(tid, oid, Ct));
            events.Names().Count(n => n == "Microsoft.EntityFrameworkCore.Database.Command.CommandExecuted")
                .ShouldBe(executed, "every user read in the batch is served from the cache afterwards");
        }

        foreach (var ((tid, oid), access) in identities.Zip(fromBatch))
        {
            Describe(access).ShouldBe(Describe(await alone.GetAsync(tid, oid, Ct)));
            var user = app.Demo.Users.SingleOrDefault(u => u.Tid == tid && u.Oid == oid);
            if (user is null) access.ShouldBeNull("unknown to Portal");
            else access!.Tenants.Keys.ToHashSet().SetEquals(app.Demo.VisibleTenantsOf(user.Email)).ShouldBeTrue(user.Email);
        }
    }

    [Fact]
    public async Task A_batch_keeps_what_it_read_and_reads_again_only_what_aged()
    {
        var (cache, clock) = NewCache();
        using var _ = cache;
        var maya = app.Demo.User(DemoDirectory.Maya);
        await cache.RefreshAsync([(maya.Tid, maya.Oid)], Ct);
        var first = await cache.GetAsync(maya.Tid, maya.Oid, Ct);
        first.ShouldNotBeNull();
        (await cache.GetAsync(maya.Tid, maya.Oid, Ct)).ShouldBeSameAs(first, "kept from the batch");

        await cache.RefreshAsync([(maya.Tid, maya.Oid)], Ct);
        (await cache.GetAsync(maya.Tid, maya.Oid, Ct)).ShouldBeSameAs(first, "younger than RefreshAfter: not read again");

        clock.Advance(UserAccessCache.RefreshAfter);
        await cache.RefreshAsync([(maya.Tid, maya.Oid)], Ct);
        var aged = await cache.GetAsync(maya.Tid, maya.Oid, Ct);
        aged.ShouldNotBeSameAs(first, "as old as RefreshAfter: read again");
        (await cache.GetAsync(maya.Tid, maya.Oid, Ct)).ShouldBeSameAs(aged, "and kept");
    }

    /// <summary>Everything a UserAccess grants, in a fixed order (the batch and a single read may list rows in another order).</summary>
    private static string Describe(UserAccess? access) => access is null ? "none" : JsonSerializer.Serialize(new
    {
        access.UserId,
        access.DisplayName,
        access.Email,
        Memberships = access.Memberships.OrderBy(m => m.OrganisationId).ThenBy(m => m.Role).ToList(),
        Tenants = access.Tenants.Values.OrderBy(t => t.TenantId).Select(t => new { t.TenantId, t.Name, t.IncidentPrefix, t.Access, Roles = t.Roles.Order().ToList() }).ToList(),
    });
}
