using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Portal.Infrastructure.Data;

namespace Portal.IntegrationTests.Host;

/// <summary>
/// Each provider is registered as <see cref="NamedDatabaseProvider{TOptionsExtension}"/>, whose name is read once instead of by
/// reflection on every call (OpenTelemetry's EF Core instrumentation asks twice per database command), and it answers the same
/// name EF Core's own provider does: the checks that read it (<c>IsSqlite()</c>, <c>IsNpgsql()</c>) and the spans' database
/// system still agree.
/// </summary>
public abstract class DatabaseProviderNameTests(PortalApp app)
{
    protected abstract string ExpectedName { get; }

    [Fact]
    public async Task The_provider_is_the_one_whose_name_is_read_once_and_it_answers_EF_Cores_own_name()
    {
        var (type, name, isSqlite, isNpgsql) = await app.QueryAsync(db =>
        {
            var provider = db.GetService<IEnumerable<IDatabaseProvider>>().Single();
            return Task.FromResult((provider.GetType(), db.Database.ProviderName, db.Database.IsSqlite(), db.Database.IsNpgsql()));
        });

        type.IsGenericType.ShouldBeTrue(type.FullName);
        type.GetGenericTypeDefinition().ShouldBe(typeof(NamedDatabaseProvider<>));
        name.ShouldBe(ExpectedName);
        isSqlite.ShouldBe(ExpectedName == "Microsoft.EntityFrameworkCore.Sqlite");
        isNpgsql.ShouldBe(ExpectedName == "Npgsql.EntityFrameworkCore.PostgreSQL");
    }
}

public sealed class DatabaseProviderNameOnSqlite(SqliteApp app) : DatabaseProviderNameTests(app), IClassFixture<SqliteApp>
{
    protected override string ExpectedName => "Microsoft.EntityFrameworkCore.Sqlite";
}

public sealed class DatabaseProviderNameOnPostgreSql(PostgresApp app) : DatabaseProviderNameTests(app), IClassFixture<PostgresApp>
{
    protected override string ExpectedName => "Npgsql.EntityFrameworkCore.PostgreSQL";
}
