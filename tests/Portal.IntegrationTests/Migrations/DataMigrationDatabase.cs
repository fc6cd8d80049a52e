using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Portal.Data;

namespace Portal.IntegrationTests.Migrations;

/// <summary>
/// For the tests of a migration's data step: a fresh database on SQLite or PostgreSQL, migrated to just before the migration,
/// for the test to fill the way that version wrote rows (with <c>Stored</c>, a time as the provider keeps it) and then migrate to
/// the end.
/// </summary>
public sealed class DataMigrationDatabase
{
    private DataMigrationDatabase(PortalDbContext db, Func<DateTimeOffset, object> stored, bool sqlite)
    {
        Db = db;
        Stored = stored;
        IsSqlite = sqlite;
    }

    public PortalDbContext Db { get; }

    /// <summary>A time as the provider stores it: binary ticks on SQLite (Portal's converter), the value itself elsewhere.</summary>
    public Func<DateTimeOffset, object> Stored { get; }

    public bool IsSqlite { get; }

    private IMigrator Migrator => Db.GetService<IMigrator>();

    public static async Task OnSqliteAsync(string migration, Func<DataMigrationDatabase, Task> test)
    {
        var file = Path.Combine(Path.GetTempPath(), $"portal-migration-{Guid.NewGuid():N}.db");
        try
        {
            await using var db = Context(o => o.UseSqlite($"Data Source={file};Pooling=false", x => x.MigrationsAssembly("Portal.Migrations.Sqlite")));
            var toBinary = new DateTimeOffsetToBinaryConverter();
            await RunAsync(new DataMigrationDatabase(db, at => (long)toBinary.ConvertToProvider(at)!, sqlite: true), migration, test);
        }
        finally
        {
            foreach (var f in new[] { file, file + "-wal", file + "-shm" }) File.Delete(f);
        }
    }

    public static async Task OnPostgreSqlAsync(PostgresServer postgres, string databaseName, string migration, Func<DataMigrationDatabase, Task> test)
    {
        var connectionString = await postgres.CreateDatabaseAsync(databaseName);
        await using var db = Context(o => o.UseNpgsql(connectionString, x => x.MigrationsAssembly("Portal.Migrations.PostgreSql")));
        await RunAsync(new DataMigrationDatabase(db, at => at, sqlite: false), migration, test);
    }

    /// <summary>Applies the migrations left, the one under test among them.</summary>
    public Task MigrateToTheEndAsync() => Migrator.MigrateAsync(cancellationToken: TestContext.Current.CancellationToken);

    private static async Task RunAsync(DataMigrationDatabase database, string migration, Func<DataMigrationDatabase, Task> test)
    {
        var migrations = database.Db.Database.GetMigrations().ToList();
        var index = migrations.FindIndex(m => m.EndsWith("_" + migration, StringComparison.Ordinal));
        index.ShouldBeGreaterThan(0, $"a migration named {migration}, not the first");
        await database.Migrator.MigrateAsync(migrations[index - 1], TestContext.Current.CancellationToken);
        await test(database);
    }

    private static PortalDbContext Context(Action<DbContextOptionsBuilder> provider)
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        provider(options);
        var scope = new TenantScope();
        scope.UseSystemAccess();
        return new PortalDbContext(options.Options).Use(scope);
    }
}
