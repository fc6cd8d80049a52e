using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Domain;

namespace Portal.IntegrationTests.Isolation;

/// <summary>
/// PortalDbContext instances are pooled: one instance serves request after request. What one use leaves on it (its tenant scope,
/// what it saved) must never reach the next: each request reads exactly its own tenants, a context taken from the factory
/// without a request's scope reads nothing, and changes saved but never published are gone for the next user.
/// </summary>
public sealed class PooledContextTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_use_of_a_pooled_context_reads_only_its_own_tenants()
    {
        var tenants = await app.QueryAsync(db => db.Incidents.AsNoTracking().Select(i => i.TenantId).Distinct().Take(2).ToListAsync(Ct));
        tenants.Count.ShouldBe(2);
        var instances = new HashSet<PortalDbContext>(ReferenceEqualityComparer.Instance);

        for (var use = 0; use < 20; use++)
        {
            var tenant = tenants[use % 2];
            await using var scope = app.Services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantScope>().Grant([tenant], []);
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            instances.Add(db);

            var seen = await db.Incidents.AsNoTracking().Select(i => i.TenantId).Distinct().ToListAsync(Ct);
            seen.ShouldBe([tenant], $"use {use}");
        }

        instances.Count.ShouldBeLessThan(20, "the contexts are pooled: instances are used again");
    }

    [Fact]
    public async Task A_context_without_a_request_scope_reads_nothing_even_after_a_system_use()
    {
        await app.QueryAsync(db => db.Incidents.CountAsync(Ct)); // a use with system access, back to the pool

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>(); // a request whose user was never resolved
            (await db.Incidents.CountAsync(Ct)).ShouldBe(0);
            (await db.TimelineEntries.CountAsync(Ct)).ShouldBe(0);
        }

        await using var direct = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(Ct);
        direct.Scope.IsSystem.ShouldBeFalse();
        (await direct.Incidents.CountAsync(Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task Changes_saved_but_never_published_do_not_reach_the_next_use()
    {
        var instances = new HashSet<PortalDbContext>(ReferenceEqualityComparer.Instance);
        for (var use = 0; use < 10; use++)
        {
            await using (var scope = app.Services.CreateAsyncScope())
            {
                scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
                var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
                instances.Add(db);
                var incident = await db.Incidents.OrderBy(i => i.CreatedAt).FirstAsync(Ct);
                incident.AddNote($"Pooled note {use}", NoteVisibility.Internal, new Portal.Domain.Actor(Guid.NewGuid(), "Test", TenantAccess.Msp), DateTimeOffset.UtcNow);
                await db.SaveChangesAsync(Ct); // saved outside a unit of work: recorded, never taken
            }

            await using (var next = app.Services.CreateAsyncScope())
            {
                var db = next.ServiceProvider.GetRequiredService<PortalDbContext>();
                instances.Add(db);
                var leftOver = db.TakeSavedChanges();
                leftOver.Incidents.ShouldBeEmpty($"use {use}");
                leftOver.TimelineEntries.ShouldBeEmpty($"use {use}");
            }
        }
        instances.Count.ShouldBeLessThan(20, "the contexts are pooled: instances are used again");
    }
}
