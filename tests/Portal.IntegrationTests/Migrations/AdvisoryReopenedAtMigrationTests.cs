using Microsoft.EntityFrameworkCore;

namespace Portal.IntegrationTests.Migrations;

/// <summary>
/// Advisories reopened before <c>Advisory.ReopenedAt</c> existed: the AdvisoryReopenedAt migration dates each from its update
/// history (the latest update that left Resolved), so a fan-out after the upgrade reopens their resolved linked incidents too;
/// on a database migrated to the previous migration and filled the way that version wrote rows.
/// </summary>
public sealed class AdvisoryReopenedAtMigrationTests(PostgresServer postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public Task On_Sqlite_a_reopened_advisory_gets_the_time_of_its_latest_reopening_and_others_none() =>
        DataMigrationDatabase.OnSqliteAsync("AdvisoryReopenedAt", RunAsync);

    [Fact]
    public Task On_PostgreSql_a_reopened_advisory_gets_the_time_of_its_latest_reopening_and_others_none() =>
        DataMigrationDatabase.OnPostgreSqlAsync(postgres, "portal_reopened_at_migration", "AdvisoryReopenedAt", RunAsync);

    private const string InsertAdvisory =
        "INSERT INTO \"Advisories\" (\"Id\", \"ProviderId\", \"Title\", \"Severity\", \"Impact\", \"Status\", \"Regions\", \"PublishedById\", \"PublishedByName\", " +
        "\"PublishedAt\", \"UpdatedAt\", \"Revision\", \"UpdateCount\") VALUES ({0}, {1}, 'Old advisory', 'Sev1', 'Hosts fail.', {2}, '', {3}, 'Priya', {4}, {5}, 1, {6})";

    private const string InsertAdvisoryWithVersion =
        "INSERT INTO \"Advisories\" (\"Id\", \"ProviderId\", \"Title\", \"Severity\", \"Impact\", \"Status\", \"Regions\", \"PublishedById\", \"PublishedByName\", " +
        "\"PublishedAt\", \"UpdatedAt\", \"Revision\", \"UpdateCount\", \"Version\") VALUES ({0}, {1}, 'Old advisory', 'Sev1', 'Hosts fail.', {2}, '', {3}, 'Priya', {4}, {5}, 1, {6}, 1)";

    private static async Task RunAsync(DataMigrationDatabase database)
    {
        var (db, stored) = (database.Db, database.Stored);
        var provider = Guid.NewGuid();
        await db.Database.ExecuteSqlRawAsync(
            "INSERT INTO \"Organisations\" (\"Id\", \"Name\", \"Kind\", \"LastIncidentNumber\", \"LastStreamSequence\", \"LastCustomerStreamSequence\") " +
            "VALUES ({0}, 'Old Provider', 'Provider', 0, 0, 0)", [provider], Ct);
        var start = new DateTimeOffset(2026, 7, 19, 4, 0, 0, TimeSpan.Zero);
        var twice = Guid.NewGuid();     // resolved, reopened, resolved, reopened: the second reopening counts
        var once = Guid.NewGuid();      // reopened once, and resolved again since
        var never = Guid.NewGuid();     // resolved and left so
        var open = Guid.NewGuid();      // never resolved
        var histories = new (Guid Id, string[] Statuses)[]
        {
            (twice, ["Investigating", "Resolved", "Investigating", "Resolved", "Monitoring", "Mitigating"]),
            (once, ["Resolved", "Identified", "Resolved"]),
            (never, ["Investigating", "Resolved"]),
            (open, ["Investigating", "Mitigating"]),
        };
        foreach (var (id, statuses) in histories)
        {
            await db.Database.ExecuteSqlRawAsync(database.IsSqlite ? InsertAdvisoryWithVersion : InsertAdvisory, // PostgreSQL's version is its xmin
                [id, provider, statuses[^1], Guid.NewGuid(), stored(start), stored(start.AddHours(statuses.Length)), statuses.Length], Ct);
            for (var n = 1; n <= statuses.Length; n++)
            {
                await db.Database.ExecuteSqlRawAsync(
                    "INSERT INTO \"AdvisoryUpdates\" (\"Id\", \"AdvisoryId\", \"Number\", \"Status\", \"Text\", \"AuthorId\", \"AuthorName\", \"At\") VALUES ({0}, {1}, {2}, {3}, 'News.', {4}, 'Priya', {5})",
                    [Guid.NewGuid(), id, n, statuses[n - 1], Guid.NewGuid(), stored(start.AddHours(n))], Ct);
            }
        }

        await database.MigrateToTheEndAsync();

        var reopenedAt = await db.Advisories.AsNoTracking().Where(a => a.ProviderId == provider).ToDictionaryAsync(a => a.Id, a => a.ReopenedAt, Ct);
        reopenedAt[twice].ShouldBe(start.AddHours(5));
        reopenedAt[once].ShouldBe(start.AddHours(2));
        reopenedAt[never].ShouldBeNull();
        reopenedAt[open].ShouldBeNull();
    }
}
