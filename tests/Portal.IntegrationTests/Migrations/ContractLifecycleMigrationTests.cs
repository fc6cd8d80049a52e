using Microsoft.EntityFrameworkCore;
using Portal.Domain;

namespace Portal.IntegrationTests.Migrations;

/// <summary>
/// Contracts that existed before the lifecycle: the ContractLifecycle migration must make an ended one Ended and an open one Active
/// (still granting access), on a database migrated to the previous migration and filled the way that version wrote rows.
/// </summary>
public sealed class ContractLifecycleMigrationTests(PostgresServer postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public Task On_Sqlite_an_ended_contract_becomes_Ended_and_an_open_one_Active() =>
        DataMigrationDatabase.OnSqliteAsync("ContractLifecycle", RunAsync);

    [Fact]
    public Task On_PostgreSql_an_ended_contract_becomes_Ended_and_an_open_one_Active() =>
        DataMigrationDatabase.OnPostgreSqlAsync(postgres, "portal_contract_migration", "ContractLifecycle", RunAsync);

    private static async Task RunAsync(DataMigrationDatabase database)
    {
        var (db, stored) = (database.Db, database.Stored);
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

        await database.MigrateToTheEndAsync();

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
