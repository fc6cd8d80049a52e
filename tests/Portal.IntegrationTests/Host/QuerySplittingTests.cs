using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Domain;

namespace Portal.IntegrationTests.Host;

/// <summary>
/// A query that loads more than one collection says whether it is one query or split: in development (and so in these tests)
/// leaving it to EF's default is an error, so such a query cannot land unnoticed; in production it stays a logged warning.
/// </summary>
public sealed class QuerySplittingTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Each organisation with two collections beside it, one query or split as <paramref name="shape"/> says.</summary>
    private static async Task<int> TwoCollectionsAsync(IServiceProvider services, Func<IQueryable<Organisation>, IQueryable<Organisation>> shape)
    {
        var db = services.GetRequiredService<PortalDbContext>();
        var rows = await shape(db.Organisations.AsNoTracking())
            .Select(o => new
            {
                o.Id,
                Incidents = db.Incidents.Where(i => i.TenantId == o.Id).Select(i => i.Id).ToList(),
                Members = db.Memberships.Where(m => m.OrganisationId == o.Id).Select(m => m.UserId).ToList(),
            })
            .ToListAsync(Ct);
        return rows.Count;
    }

    [Fact]
    public async Task In_development_a_query_of_two_collections_that_does_not_say_how_it_loads_them_is_refused()
    {
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();

        var refused = await Should.ThrowAsync<InvalidOperationException>(() => TwoCollectionsAsync(scope.ServiceProvider, q => q));
        refused.Message.ShouldContain("MultipleCollectionIncludeWarning");
        (await TwoCollectionsAsync(scope.ServiceProvider, q => q.AsSingleQuery())).ShouldBeGreaterThan(0);
        (await TwoCollectionsAsync(scope.ServiceProvider, q => q.AsSplitQuery())).ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task In_production_the_same_query_runs_and_is_only_logged()
    {
        await using var production = new ProductionApp(HostTests.FakeEntra);
        await using var scope = production.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();

        await Should.NotThrowAsync(() => TwoCollectionsAsync(scope.ServiceProvider, q => q));
    }
}
