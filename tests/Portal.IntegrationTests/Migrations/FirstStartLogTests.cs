using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Portal.Data;

namespace Portal.IntegrationTests.Migrations;

/// <summary>
/// What Portal logs while it migrates at start: a new installation on SQLite starts without EF Core's table rebuild warnings (nothing
/// for them to get wrong yet), while an upgrade of an existing database still logs them, where they matter.
/// </summary>
public sealed class FirstStartLogTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The app on SQLite with every log record kept (at the levels the test host lets through: Warning and up for EF Core).</summary>
    private sealed class LoggedSqliteApp(string? connectionString) : PortalApp(DbProvider.Sqlite, null, connectionString)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging => logging.AddFakeLogging());
        }

        public IReadOnlyList<FakeLogRecord> EfWarnings() => [.. Services.GetFakeLogCollector().GetSnapshot()
            .Where(r => r.Level >= LogLevel.Warning && r.Category?.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal) == true)];
    }

    [Fact]
    public async Task A_new_SQLite_database_is_migrated_without_warnings()
    {
        await using var app = new LoggedSqliteApp(null);
        await app.InitializeAsync();

        (await app.QueryAsync(db => db.Database.GetPendingMigrationsAsync(Ct))).ShouldBeEmpty();
        app.EfWarnings().Select(r => $"{r.Id}: {r.Message}").ShouldBeEmpty();
    }

    [Fact]
    public async Task An_upgraded_SQLite_database_still_logs_the_table_rebuild_warnings()
    {
        var file = Path.Combine(Path.GetTempPath(), $"portal-upgrade-{Guid.NewGuid():N}.db");
        var connectionString = $"Data Source={file}";
        try
        {
            // A database at the migration before ContractLifecycle (whose SQLite table rebuild is what EF warns about).
            await using (var old = new PortalDbContext(new DbContextOptionsBuilder<PortalDbContext>()
                             .UseSqlite(connectionString, x => x.MigrationsAssembly("Portal.Migrations.Sqlite")).Options))
            {
                var migrations = old.Database.GetMigrations().ToList();
                var lifecycle = migrations.FindIndex(m => m.EndsWith("_ContractLifecycle", StringComparison.Ordinal));
                lifecycle.ShouldBeGreaterThan(0);
                await old.GetService<IMigrator>().MigrateAsync(migrations[lifecycle - 1], Ct);
            }

            await using (var app = new LoggedSqliteApp(connectionString))
            {
                await app.InitializeAsync();
                (await app.QueryAsync(db => db.Database.GetPendingMigrationsAsync(Ct))).ShouldBeEmpty();
                app.EfWarnings().Select(r => r.Id.Name).ShouldContain(SqliteEventId.TableRebuildPendingWarning.Name);
                app.EfWarnings().Select(r => r.Id.Name).ShouldContain(RelationalEventId.NonTransactionalMigrationOperationWarning.Name);
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            var jobs = Path.ChangeExtension(file, ".hangfire.db");
            foreach (var f in new[] { file, file + "-wal", file + "-shm", jobs, jobs + "-wal", jobs + "-shm" })
            {
                try { File.Delete(f); } catch (IOException) { }
            }
        }
    }
}
