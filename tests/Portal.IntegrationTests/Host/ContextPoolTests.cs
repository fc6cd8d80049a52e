using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Internal;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Infrastructure.Data;

namespace Portal.IntegrationTests.Host;

#pragma warning disable EF1001 // EF Core's pool types, to check the one Portal registers

/// <summary>
/// Portal's context pool hands out the context returned last (<see cref="LastInFirstOutContextPool{TContext}"/>): on SQLite that
/// context's kept-open connection is the one that wrote last, and its page cache still holds the pages. EF Core's own pool hands
/// out the one that waited longest. The bound stays EF Core's: SqliteStatementCacheTests holds a burst of leases to it.
/// </summary>
public sealed class ContextPoolTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Fact]
    public void The_application_pools_its_contexts_in_the_last_in_first_out_pool()
    {
        app.Services.GetRequiredService<IDbContextPool<PortalDbContext>>().ShouldBeOfType<LastInFirstOutContextPool<PortalDbContext>>();
    }

    [Fact]
    public void The_context_returned_last_is_handed_out_first()
    {
        // A pool of its own on the application's options: the application's pool is shared with whatever else runs.
        using var pool = new LastInFirstOutContextPool<PortalDbContext>(app.Services.GetRequiredService<DbContextOptions<PortalDbContext>>(), app.Services);
        var factory = new PooledDbContextFactory<PortalDbContext>(pool);

        var first = factory.CreateDbContext();
        var second = factory.CreateDbContext();
        first.ShouldNotBeSameAs(second);
        first.Dispose();
        second.Dispose();

        using var next = factory.CreateDbContext();
        next.ShouldBeSameAs(second, "the context returned last comes out first");
        using var after = factory.CreateDbContext();
        after.ShouldBeSameAs(first);
        using var fresh = factory.CreateDbContext();
        fresh.ShouldNotBeSameAs(first);
        fresh.ShouldNotBeSameAs(second);
    }
}
