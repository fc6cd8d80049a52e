using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Infrastructure.Data;
using Portal.Pipeline.Commit;

namespace Portal.IntegrationTests.Live;

/// <summary>
/// The commit path's hand-written statements (<see cref="RawSql"/>) build their command once and reuse it with each call's values:
/// a reused command reads what this call's values select, never a kept call's; parameters of another type or a null get a
/// command of their own; and the statements' texts are written once per length. Both databases.
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
    public async Task A_kept_command_reads_with_each_calls_values()
    {
        var (scope, db) = Context();
        await using var _ = scope;
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var fabrikam = app.Demo.TenantId("Fabrikam Health");

        (await NamesAsync(db, NameById, northwind)).ShouldBe([DemoDirectory.Northwind]);
        var kept = RawSql.Command(db, NameById, [fabrikam]);
        RawSql.Command(db, NameById, [northwind]).Command.ShouldBeSameAs(kept.Command, "the second call reuses the first call's command");
        kept.Values.Values.ShouldBe(new object?[] { fabrikam });

        (await NamesAsync(db, NameById, fabrikam)).ShouldBe(["Fabrikam Health"]);
        (await NamesAsync(db, NameById, northwind)).ShouldBe([DemoDirectory.Northwind]);
        (await NamesAsync(db, NameById, Guid.NewGuid())).ShouldBeEmpty();
    }

    [Fact]
    public async Task Parameters_of_another_type_or_a_null_get_a_command_of_their_own()
    {
        var (scope, db) = Context();
        await using var _ = scope;
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        const string sql = """SELECT "Name" FROM "Organisations" WHERE "Id" = {0} AND {1} = 1""";

        (await NamesAsync(db, sql, northwind, 1)).ShouldBe([DemoDirectory.Northwind]);
        var kept = RawSql.Command(db, sql, [northwind, 1]).Command;
        RawSql.Command(db, sql, [northwind, 1L]).Command.ShouldNotBeSameAs(kept, "a long is not mapped as the int the command was built for");
        RawSql.Command(db, sql, [northwind, null!]).Command.ShouldNotBeSameAs(kept, "a null gets its own mapping");
        (await NamesAsync(db, sql, northwind, 2)).ShouldBeEmpty();
        RawSql.Command(db, sql, [northwind, 1]).Command.ShouldBeSameAs(kept, "the kept command stays");
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
