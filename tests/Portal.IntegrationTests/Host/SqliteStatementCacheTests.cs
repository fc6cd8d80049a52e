using System.Data;
using System.Data.Common;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Infrastructure.Data;
using SQLitePCL;

namespace Portal.IntegrationTests.Host;

/// <summary>
/// On SQLite each statement is compiled once per connection (SqliteStatementCache) and a pooled context's connection stays open
/// between leases (KeptOpenSqliteConnection). What is checked is what SQLite itself reports about the statements it holds, and
/// that a connection kept open holds nothing between uses: no transaction, no snapshot that would stop a checkpoint.
/// </summary>
public sealed class SqliteStatementCacheTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>SQLite's count of the runs of one compiled statement (SQLITE_STMTSTATUS_RUN).</summary>
    private const int StatementRuns = 6;

    [Fact]
    public async Task The_same_SQL_runs_on_one_compiled_statement_lease_after_lease()
    {
        // Portal's own configuration on a pool of one context, so every lease gets the same context and connection.
        var cache = new SqliteStatementCache();
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        DatabaseSetup.Configure(options, DatabaseProvider.Sqlite, app.ConnectionString);
        options.AddInterceptors(new ListStatements());
        DatabaseSetup.UseSqliteStatementCache(options, cache);
        var factory = new PooledDbContextFactory<PortalDbContext>(options.Options, poolSize: 1);
        // Each text carries a marker of its own (EF wraps a raw query in its own SELECT, so SQLite holds a longer text).
        var sql = $"SELECT 41 + 1 AS \"Value\" WHERE '{Guid.NewGuid():N}' <> ''";
        var other = $"SELECT 6 * 7 AS \"Value\" WHERE '{Guid.NewGuid():N}' <> ''";
        var connections = new HashSet<SqliteConnection>(ReferenceEqualityComparer.Instance);
        try
        {
            const int leases = 5;
            for (var lease = 0; lease < leases; lease++)
            {
                await using var db = await factory.CreateDbContextAsync(Ct);
                (await db.Database.SqlQueryRaw<int>(sql).SingleAsync(Ct)).ShouldBe(42);
                (await db.Database.SqlQueryRaw<int>(other).SingleAsync(Ct)).ShouldBe(42);
                connections.Add((SqliteConnection)db.Database.GetDbConnection());
            }

            var connection = connections.ShouldHaveSingleItem();
            connection.State.ShouldBe(ConnectionState.Open, "kept open between leases");
            // What SQLite itself holds: each text compiled once, and run once per lease on that one statement.
            StatementsWith(connection, sql).ShouldHaveSingleItem().Runs.ShouldBe(leases);
            StatementsWith(connection, other).ShouldHaveSingleItem().Runs.ShouldBe(leases);
        }
        finally
        {
            cache.CloseAll();
        }
        connections.ShouldAllBe(c => c.State == ConnectionState.Closed);
    }

    [Fact]
    public async Task Nested_readers_of_the_same_SQL_and_changing_parameters_read_what_they_were_given()
    {
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();

        var pairs = new List<(int Outer, int Inner)>();
        await foreach (var outer in db.Database.SqlQuery<int>($"SELECT value AS \"Value\" FROM json_each({"[1,2,3]"})").AsAsyncEnumerable().WithCancellation(Ct))
        {
            // The same SQL while the outer reader is still open: it needs a command of its own, with its own parameter.
            var inner = await db.Database.SqlQuery<int>($"SELECT value AS \"Value\" FROM json_each({$"[{outer * 10}]"})").SingleAsync(Ct);
            pairs.Add((outer, inner));
        }
        pairs.ShouldBe([(1, 10), (2, 20), (3, 30)]);

        // Run again on the kept command: the parameter is this run's, not the last one's.
        for (var i = 0; i < 3; i++)
            (await db.Database.SqlQuery<int>($"SELECT value AS \"Value\" FROM json_each({$"[{i}]"})").SingleAsync(Ct)).ShouldBe(i);
    }

    [Fact]
    public async Task Connections_kept_open_hold_no_transaction_and_no_snapshot_between_requests()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var tenant = app.Demo.TenantId(DemoDirectory.Northwind);
        var (incident, created) = await maya.CreateIncidentAsync(tenant, "Kept-open connections", "Sev4");
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var stale = created.ETagOf();
        created.Dispose();
        for (var i = 0; i < 5; i++)
        {
            (await maya.PostAsJsonAsync($"/api/v1/incidents/{incident.Id}/notes", new { text = $"Update {i}", visibility = "Customer" }, Ct))
                .StatusCode.ShouldBe(HttpStatusCode.Created);
            (await maya.GetAsync($"/api/v1/incidents/{incident.Id}/timeline", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        // A command refused inside its transaction (a stale If-Match) rolls back on a connection that stays open.
        using (var refused = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/acknowledge", null, stale))
            (await refused.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("stale_version");

        await using var probe = new SqliteConnection(app.ConnectionString + ";Pooling=False;Default Timeout=1");
        await probe.OpenAsync(Ct);
        // Nobody holds the write lock: BEGIN IMMEDIATE succeeds at once (a leftover transaction would make it wait, then fail).
        await using (var begin = probe.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE; ROLLBACK;";
            await begin.ExecuteNonQueryAsync(Ct);
        }
        // Nobody holds a snapshot: a full checkpoint is not blocked (a statement left unreset would keep its read transaction open).
        await using var checkpoint = probe.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        await using var reader = await checkpoint.ExecuteReaderAsync(Ct);
        (await reader.ReadAsync(Ct)).ShouldBeTrue();
        reader.GetInt32(0).ShouldBe(0, "the checkpoint was blocked by a reader or writer");
    }

    [Fact]
    public async Task A_burst_of_leases_leaves_no_more_connections_open_than_the_pool_keeps()
    {
        // More contexts at once than the pool keeps: a burst of writers each waiting its turn for SQLite's one writer.
        var factory = app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        const int burst = DatabaseSetup.SqliteContextsKept + 8;
        var leased = new List<PortalDbContext>();
        var connections = new List<SqliteConnection>();
        try
        {
            for (var i = 0; i < burst; i++)
            {
                var db = await factory.CreateDbContextAsync(Ct);
                leased.Add(db);
                (await db.Database.SqlQueryRaw<int>("SELECT 42 AS \"Value\"").SingleAsync(Ct)).ShouldBe(42);
                connections.Add((SqliteConnection)db.Database.GetDbConnection());
            }
        }
        finally
        {
            foreach (var db in leased) await db.DisposeAsync();
        }
        connections.Distinct(ReferenceEqualityComparer.Instance).Count().ShouldBe(burst);
        // The pool takes back as many as it keeps (fewer if the app returned contexts of its own meanwhile); the rest are closed.
        // The app's own work (Hangfire's pollers, the live publisher) may be holding one of them for a moment, taken from the pool
        // while the test returned the others, so the count is read once the app's leases are back (a failing pool never gets there).
        var stillOpen = connections.Count(c => c.State == ConnectionState.Open);
        for (var wait = 0; stillOpen > DatabaseSetup.SqliteContextsKept && wait < 50; wait++)
        {
            await Task.Delay(100, Ct);
            stillOpen = connections.Count(c => c.State == ConnectionState.Open);
        }
        stillOpen.ShouldBeLessThanOrEqualTo(DatabaseSetup.SqliteContextsKept);
        connections.Count(c => c.State == ConnectionState.Closed).ShouldBeGreaterThanOrEqualTo(burst - DatabaseSetup.SqliteContextsKept);
    }

    [Fact]
    public async Task Switched_off_the_connections_close_after_each_lease_and_nothing_is_kept()
    {
        await using var plain = new AppWithoutStatementCache();
        await plain.InitializeAsync();
        var factory = plain.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using var db = await factory.CreateDbContextAsync(Ct);
        db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()!.Interceptors!.OfType<SqliteStatementCache>().ShouldBeEmpty();
        (await db.Database.SqlQueryRaw<int>("SELECT 42 AS \"Value\"").SingleAsync(Ct)).ShouldBe(42);
        db.Database.GetDbConnection().State.ShouldBe(ConnectionState.Closed);
    }

    [Fact]
    public async Task Stopping_the_app_closes_the_connections_it_kept_open()
    {
        var file = "";
        SqliteConnection? kept = null;
        await using (var own = new SqliteApp())
        {
            await own.InitializeAsync();
            file = new SqliteConnectionStringBuilder(own.ConnectionString).DataSource;
            var maya = await own.ClientForAsync(DemoDirectory.Maya);
            (await maya.GetAsync("/api/v1/incidents", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
            OpenDescriptorsOf(file).ShouldNotBeEmpty("the running app keeps its connections open");
            // A context back in the pool keeps its connection open until the app stops.
            await using (var db = await own.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(Ct))
            {
                await db.Database.SqlQueryRaw<int>("SELECT 1 AS \"Value\"").SingleAsync(Ct);
                kept = (SqliteConnection)db.Database.GetDbConnection();
            }
            kept.State.ShouldBe(ConnectionState.Open);
        }
        kept!.State.ShouldBe(ConnectionState.Closed);
        SqliteConnection.ClearAllPools(); // Microsoft.Data.Sqlite's own pool keeps closed connections' files open
        OpenDescriptorsOf(file).ShouldBeEmpty();
    }

    private sealed record Statement(int Runs);

    /// <summary>The statements SQLite holds compiled on this connection whose text contains this SQL.</summary>
    private static List<Statement> StatementsWith(SqliteConnection connection, string sql)
    {
        var found = new List<Statement>();
        for (var stmt = raw.sqlite3_next_stmt(connection.Handle, null); stmt is not null; stmt = raw.sqlite3_next_stmt(connection.Handle, stmt))
        {
            if (raw.sqlite3_sql(stmt).utf8_to_string().Contains(sql, StringComparison.Ordinal)) found.Add(new Statement(raw.sqlite3_stmt_status(stmt, StatementRuns, 0)));
        }
        return found;
    }

    /// <summary>This process's open file descriptors on the database file or its WAL (Linux).</summary>
    private static List<string> OpenDescriptorsOf(string file) =>
        [.. new DirectoryInfo("/proc/self/fd").GetFileSystemInfos()
            .Select(fd => { try { return fd.LinkTarget ?? ""; } catch (IOException) { return ""; } })
            .Where(target => target.StartsWith(file, StringComparison.Ordinal))];

    /// <summary>SQLitePCL lists a connection's statements only when told to track them right after the connection opened.</summary>
    private sealed class ListStatements : DbConnectionInterceptor
    {
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
            ((SqliteConnection)connection).Handle!.enable_sqlite3_next_stmt(true);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            ConnectionOpened(connection, eventData);
            return Task.CompletedTask;
        }
    }

    private sealed class AppWithoutStatementCache() : PortalApp(DbProvider.Sqlite, null)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Database:SqliteStatementCache", "false");
        }
    }
}
