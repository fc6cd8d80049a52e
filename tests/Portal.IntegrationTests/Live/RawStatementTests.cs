using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Infrastructure.Data;
using Portal.Pipeline.Commit;

namespace Portal.IntegrationTests.Live;

/// <summary>
/// The commit path's hand-written statements (<see cref="RawSql"/>): every call gets a command of its own, so executions that
/// overlap (writers on PostgreSQL commit side by side) each read their own rows — EF Core's command keeps one reader for its
/// executions, and a command kept and shared once answered a note with "No data exists for the row/column"; and the statements'
/// texts are written once per length. Both databases.
/// </summary>
public abstract class RawStatementTests(PortalApp app)
{
    private const string NameById = """SELECT "Name" FROM "Organisations" WHERE "Id" = {0}""";

    private (AsyncServiceScope Scope, PortalDbContext Db) Context()
    {
        var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        return (scope, scope.ServiceProvider.GetRequiredService<PortalDbContext>());
    }

    private static Task<List<string>> NamesAsync(PortalDbContext db, string sql, params object[] parameters) =>
        RawSql.ReadAsync(db, sql, parameters, row => row.GetString(0), TestContext.Current.CancellationToken);

    [Fact]
    public async Task Every_call_gets_a_command_of_its_own_and_reads_with_its_values()
    {
        var (scope, db) = Context();
        await using var _ = scope;
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var fabrikam = app.Demo.TenantId("Fabrikam Health");

        var first = RawSql.Command(db, NameById, [fabrikam]);
        RawSql.Command(db, NameById, [northwind]).Command.ShouldNotBeSameAs(first.Command, "a command shared by two calls shares its reader");
        first.Values.Values.ShouldBe(new object?[] { fabrikam });

        (await NamesAsync(db, NameById, fabrikam)).ShouldBe(["Fabrikam Health"]);
        (await NamesAsync(db, NameById, northwind)).ShouldBe([DemoDirectory.Northwind]);
        (await NamesAsync(db, NameById, Guid.NewGuid())).ShouldBeEmpty();
    }

    [Fact]
    public async Task Overlapping_reads_on_separate_contexts_each_read_their_own_rows()
    {
        var organisations = await app.QueryAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(
            db.Organisations.Select(o => new { o.Id, o.Name })));
        var reads = Enumerable.Range(0, 8).Select(async i =>
        {
            var (scope, db) = Context();
            await using var _ = scope;
            for (var round = 0; round < 25; round++)
            {
                var organisation = organisations[(i + round) % organisations.Count];
                (await NamesAsync(db, NameById, organisation.Id)).ShouldBe([organisation.Name]);
            }
        });
        await Task.WhenAll(reads);
    }

    [Fact]
    public void The_commit_paths_statements_are_written_once_per_length()
    {
        StreamSequences.AdvanceSql(sqlServer: false, 3).ShouldBeSameAs(StreamSequences.AdvanceSql(sqlServer: false, 3));
        StreamSequences.AdvanceSql(sqlServer: false, 3).ShouldNotBe(StreamSequences.AdvanceSql(sqlServer: false, 4));
        StreamSequences.AdvanceSql(sqlServer: true, 3).ShouldNotBe(StreamSequences.AdvanceSql(sqlServer: false, 3));
        Portal.Features.Notifications.Outbox.ListenerProbeSql(sqlServer: false, 2)
            .ShouldBeSameAs(Portal.Features.Notifications.Outbox.ListenerProbeSql(sqlServer: false, 2));
    }
}

public sealed class RawStatementTestsOnSqlite(SqliteApp app) : RawStatementTests(app), IClassFixture<SqliteApp>;

public sealed class RawStatementTestsOnPostgreSql(PostgresApp app) : RawStatementTests(app), IClassFixture<PostgresApp>;
