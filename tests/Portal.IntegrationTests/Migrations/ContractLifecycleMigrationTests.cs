using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Portal.Data;
using Portal.Domain;

namespace Portal.IntegrationTests.Migrations;

/// <summary>
/// Contracts that existed before the lifecycle: the ContractLifecycle migration must make an ended one Ended and an open one Active
/// (still granting access), on a database migrated to the previous migration and filled the way that version wrote rows.
/// </summary>
public sealed class ContractLifecycleMigrationTests(PostgresServer postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static PortalDbContext Context(Action<DbContextOptionsBuilder> provider)
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        provider(options);
        var scope = new TenantScope();
        scope.UseSystemAccess();
        return new PortalDbContext(options.Options).Use(scope);
    }

    [Fact]
    public async Task On_Sqlite_an_ended_contract_becomes_Ended_and_an_open_one_Active()
    {
        var file = Path.Combine(Path.GetTempPath(), $"portal-migration-{Guid.NewGuid():N}.db");
        try
        {
            await using var db = Context(o => o.UseSqlite($"Data Source={file};Pooling=false", x => x.MigrationsAssembly("Portal.Migrations.Sqlite")));
            var toBinary = new DateTimeOffsetToBinaryConverter();
            await RunAsync(db, at => (long)toBinary.ConvertToProvider(at)!);
        }
        finally
        {
            foreach (var f in new[] { file, file + "-wal", file + "-shm" }) File.Delete(f);
        }
    }

    [Fact]
    public async Task On_PostgreSql_an_ended_contract_becomes_Ended_and_an_open_one_Active()
    {
        var connectionString = await postgres.CreateDatabaseAsync("portal_contract_migration");
        await using var db = Context(o => o.UseNpgsql(connectionString, x => x.MigrationsAssembly("Portal.Migrations.PostgreSql")));
        await RunAsync(db, at => at);
    }

    private static async Task RunAsync(PortalDbContext db, Func<DateTimeOffset, object> stored)
    {
        var migrations = db.Database.GetMigrations().ToList();
        var lifecycle = migrations.FindIndex(m => m.EndsWith("_ContractLifecycle", StringComparison.Ordinal));
        lifecycle.ShouldBeGreaterThan(0);
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync(migrations[lifecycle - 1], Ct);

        var msp = Guid.NewGuid();
        var customerA = Guid.NewGuid();
        var customerB = Guid.NewGuid();
        var ended = Guid.NewGuid();
        var open = Guid.NewGuid();
        var started = DateTimeOffset.UtcNow.AddYears(-1);
        foreach (var (id, name, kind, prefix) in new[] { (msp, "Old MSP", "Msp", (string?)null), (customerA, "Old A", "Customer", "OLDA"), (customerB, "Old B", "Customer", "OLDB") })
        {
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO \"Organisations\" (\"Id\", \"Name\", \"Kind\", \"IncidentPrefix\", \"LastIncidentNumber\", \"LastStreamSequence\", \"LastCustomerStreamSequence\") " +
                "VALUES ({0}, {1}, {2}, {3}, 0, 0, 0)", [id, name, kind, prefix!], Ct);
        }
        // Two rows of the same pair, as the old schema allowed: one ended last month, and the one that replaced it.
        await db.Database.ExecuteSqlRawAsync(
            "INSERT INTO \"Contracts\" (\"Id\", \"MspId\", \"CustomerId\", \"StartedAt\", \"EndedAt\", \"TightenedTargets\") VALUES ({0}, {1}, {2}, {3}, {4}, '[]')",
            [ended, msp, customerA, stored(started), stored(DateTimeOffset.UtcNow.AddMonths(-1))], Ct);
        await db.Database.ExecuteSqlRawAsync(
            "INSERT INTO \"Contracts\" (\"Id\", \"MspId\", \"CustomerId\", \"StartedAt\", \"TightenedTargets\") VALUES ({0}, {1}, {2}, {3}, '[]')",
            [open, msp, customerA, stored(started)], Ct);

        await migrator.MigrateAsync(cancellationToken: Ct);

        var contracts = await db.Contracts.AsNoTracking().Where(c => c.MspId == msp).ToDictionaryAsync(c => c.Id, Ct);
        contracts[ended].State.ShouldBe(ContractState.Ended);
        contracts[ended].IsActiveAt(DateTimeOffset.UtcNow).ShouldBeFalse();
        contracts[open].State.ShouldBe(ContractState.Active);
        contracts[open].IsActiveAt(DateTimeOffset.UtcNow).ShouldBeTrue("a contract that was active before the migration still grants access");
        contracts[open].StartedAt!.Value.UtcDateTime.ShouldBe(started.UtcDateTime, TimeSpan.FromMilliseconds(1));

        // The index the migration built holds the rule from now on: a second open contract of the pair is refused by the database.
        db.Contracts.Add(new MspContract(Guid.NewGuid(), msp, customerA, DateTimeOffset.UtcNow));
        await Should.ThrowAsync<DbUpdateException>(() => db.SaveChangesAsync(Ct));
        db.ChangeTracker.Clear();
        db.Contracts.Add(new MspContract(Guid.NewGuid(), msp, customerB, DateTimeOffset.UtcNow));
        await db.SaveChangesAsync(Ct); // another customer: allowed
    }
}
