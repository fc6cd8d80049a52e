using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Internal;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Data;

namespace Portal.Infrastructure.Data;

public enum DatabaseProvider { Sqlite, PostgreSql, SqlServer }

/// <summary>One PortalDbContext; the provider comes from Database:Provider and each provider has its own migrations assembly.</summary>
public static class DatabaseSetup
{
    public const string DefaultSqliteConnection = "Data Source=App_Data/portal.db";

    /// <summary>
    /// On SQLite, the pooled contexts kept between requests, each with its connection kept open and the statements compiled on it
    /// (<see cref="SqliteStatementCache"/>). EF Core's default pool (1,024) never shrinks, and a burst of concurrent writes, each
    /// waiting its turn for SQLite's one writer, leaves a context per waiting request: 256 concurrent note writers left 257
    /// connections open for good, 77 MB of SQLite's memory (measured by hand, commit 92861dd). A context beyond these is disposed
    /// after its request and its connection closed (<see cref="Portal.Data.PortalDbContext"/>.Dispose), then let go by
    /// Microsoft.Data.Sqlite's own pool within minutes. SqliteStatementCacheTests holds a burst of leases to this bound.
    /// </summary>
    public const int SqliteContextsKept = 32;

    private const int EfCoreDefaultPoolSize = 1024;

    public static void AddPortalDatabase(this WebApplicationBuilder builder)
    {
        var (provider, connectionString) = builder.PortalDatabase();

        builder.Services.AddScoped<TenantScope>();
        // Pooled contexts, options built once: constructing a context and its internal services was a quarter of what a change
        // command allocated. The request's (or job's) context comes from the pool with the request's tenant scope attached, and
        // goes back when the request's services are disposed (PortalDbContext.Use / Dispose), and the context returned last is the
        // next one handed out (LastInFirstOutContextPool: on SQLite its connection's page cache is still good).
        var synchronous = builder.Configuration.GetValue("Database:SqliteSynchronous", SqliteSynchronousMode.Level.Normal);
        var strictQueries = builder.Environment.IsDevelopment();
        var statementCache = provider == DatabaseProvider.Sqlite && builder.Configuration.GetValue("Database:SqliteStatementCache", true)
            ? new SqliteStatementCache() : null;
        if (statementCache is not null)
            builder.Services.AddHostedService(services => new SqliteStatementCache.CloseWhenStopped(statementCache, services.GetRequiredService<IHostApplicationLifetime>()));
        builder.Services.AddPooledDbContextFactory<PortalDbContext>(options =>
        {
            Configure(options, provider, connectionString);
            if (provider == DatabaseProvider.Sqlite) options.AddInterceptors(new SqliteSynchronousMode(synchronous));
            if (statementCache is not null) UseSqliteStatementCache(options, statementCache);
            // A query that loads several collections says whether it is one query or split: EF's silent default (one query, rows
            // multiplied) is then a choice someone made. An error in development and the tests, a logged warning in production.
            if (strictQueries) options.ConfigureWarnings(w => w.Throw(RelationalEventId.MultipleCollectionIncludeWarning));
        }, poolSize: statementCache is null ? EfCoreDefaultPoolSize : SqliteContextsKept);
#pragma warning disable EF1001 // EF Core's pool interface; the replacement derives from EF Core's own pool
        builder.Services.Replace(ServiceDescriptor.Singleton<IDbContextPool<PortalDbContext>, LastInFirstOutContextPool<PortalDbContext>>());
#pragma warning restore EF1001
        builder.Services.AddScoped(services =>
            services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext().Use(services.GetRequiredService<TenantScope>()));
    }

    /// <summary>
    /// Each SQLite statement compiled once per connection (<see cref="SqliteStatementCache"/>), on connections that stay open with
    /// their pooled context (<see cref="KeptOpenSqliteConnection"/>).
    /// </summary>
#pragma warning disable EF1001 // EF Core's SQLite connection service, replaced by its own type with one change (KeptOpenSqliteConnection)
    public static DbContextOptionsBuilder UseSqliteStatementCache(DbContextOptionsBuilder options, SqliteStatementCache cache) =>
        options.AddInterceptors(cache)
            .ReplaceService<Microsoft.EntityFrameworkCore.Sqlite.Storage.Internal.ISqliteRelationalConnection, KeptOpenSqliteConnection>();
#pragma warning restore EF1001

    /// <summary>The provider and connection string Portal uses (a relative SQLite file resolved under the content root); background jobs store theirs beside it.</summary>
    public static (DatabaseProvider Provider, string ConnectionString) PortalDatabase(this WebApplicationBuilder builder)
    {
        var provider = builder.Configuration.GetValue("Database:Provider", DatabaseProvider.Sqlite);
        var connectionString = builder.Configuration.GetConnectionString("Portal");
        if (provider == DatabaseProvider.Sqlite)
        {
            connectionString = SqliteFileUnder(builder.Environment.ContentRootPath, connectionString ?? DefaultSqliteConnection);
        }
        else if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException($"Database:Provider is {provider} but ConnectionStrings:Portal is empty. Set ConnectionStrings__Portal.");
        }
        return (provider, connectionString);
    }

    /// <remarks>
    /// A list in a query (every tenant filter's <c>Scope.FullAccess.Contains(…)</c>) travels as ONE parameter (a JSON array; an
    /// array on PostgreSQL), not EF Core 10's default of one parameter per element: with that default the SQL depends on the
    /// list, so EF regenerates it on every run instead of caching it (dotnet/efcore#37152) — measured on the note command as the
    /// biggest EF cost after SaveChanges. One parameter also keeps long lists under SQL Server's 2,100-parameter limit.
    /// <para>Each provider is registered as a <see cref="NamedDatabaseProvider{TOptionsExtension}"/>, whose name is read once.</para>
    /// </remarks>
#pragma warning disable EF1001 // the providers' options extensions live in their .Internal namespaces; only their types are named here
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, DatabaseProvider provider, string connectionString) => provider switch
    {
        DatabaseProvider.Sqlite => options.UseSqlite(connectionString, o => o.MigrationsAssembly("Portal.Migrations.Sqlite")
                .UseParameterizedCollectionMode(ParameterTranslationMode.Parameter))
            .ReplaceService<IDatabaseProvider, NamedDatabaseProvider<Microsoft.EntityFrameworkCore.Sqlite.Infrastructure.Internal.SqliteOptionsExtension>>(),
        DatabaseProvider.PostgreSql => options.UseNpgsql(connectionString, o => o.MigrationsAssembly("Portal.Migrations.PostgreSql")
                .UseParameterizedCollectionMode(ParameterTranslationMode.Parameter))
            .ReplaceService<IDatabaseProvider, NamedDatabaseProvider<Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.Internal.NpgsqlOptionsExtension>>(),
        DatabaseProvider.SqlServer => options.UseSqlServer(connectionString, o => o.MigrationsAssembly("Portal.Migrations.SqlServer")
                .UseParameterizedCollectionMode(ParameterTranslationMode.Parameter))
            .ReplaceService<IDatabaseProvider, NamedDatabaseProvider<Microsoft.EntityFrameworkCore.SqlServer.Infrastructure.Internal.SqlServerOptionsExtension>>(),
        _ => throw new InvalidOperationException($"Unknown Database:Provider '{provider}'. Use Sqlite, PostgreSql or SqlServer."),
    };
#pragma warning restore EF1001

    /// <summary>
    /// Applies pending migrations. On a new SQLite database, EF Core's two warnings about a table rebuild (a statement run while the
    /// rebuild is pending; <c>PRAGMA foreign_keys</c> outside the transaction) are logged at Debug: with no rows yet there is
    /// nothing for them to get wrong, and they were the first thing a new user saw on the first start. On a database that already has
    /// migrations (an upgrade) they stay warnings, where they matter. ContractLifecycleMigrationTests checks that migration's rows.
    /// </summary>
    private static async Task MigrateAsync(PortalDbContext db, IServiceProvider services)
    {
        if (!db.Database.IsSqlite() || (await db.Database.GetAppliedMigrationsAsync()).Any())
        {
            await db.Database.MigrateAsync();
            return;
        }
        var options = new DbContextOptionsBuilder<PortalDbContext>()
            .UseLoggerFactory(services.GetRequiredService<ILoggerFactory>())
            .ConfigureWarnings(w => w.Log(
                (SqliteEventId.TableRebuildPendingWarning, LogLevel.Debug),
                (RelationalEventId.NonTransactionalMigrationOperationWarning, LogLevel.Debug)));
        Configure(options, DatabaseProvider.Sqlite, db.Database.GetConnectionString()!);
        await using var migrating = new PortalDbContext(options.Options).Use(services.GetRequiredService<TenantScope>());
        await migrating.Database.MigrateAsync();
    }

    /// <summary>Applies pending migrations, then seeds the demo outage once when asked to (Development by default).</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        if (!app.Configuration.GetValue("Database:MigrateOnStartup", true)) return;
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        await MigrateAsync(db, scope.ServiceProvider);
        if (db.Database.IsSqlite())
        {
            // Readers never wait for the writer, which matters when a status page is hammered during an outage.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }
        if (app.Configuration.GetValue("Database:SeedDemoData", app.Environment.IsDevelopment()))
        {
            var clock = scope.ServiceProvider.GetRequiredService<TimeProvider>();
            await DemoData.SeedOnceAsync(db, clock.GetUtcNow());
        }
        // The first platform administrators of a real deployment (docs/operations.md); nothing else is seeded outside Development.
        // After the demo data: the demo has its own platform organisation, and then there is nothing to bootstrap.
        var bootstrap = app.Configuration.GetSection("Portal:Bootstrap").Get<BootstrapOptions>() ?? new BootstrapOptions();
        await PlatformBootstrap.RunAsync(db, bootstrap, scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow(),
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PlatformBootstrap)));
    }

    private static string SqliteFileUnder(string contentRoot, string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource is { Length: > 0 } file && file != ":memory:" && !Path.IsPathRooted(file))
        {
            builder.DataSource = Path.Combine(contentRoot, file);
        }
        if (Path.GetDirectoryName(builder.DataSource) is { Length: > 0 } folder) Directory.CreateDirectory(folder);
        return builder.ToString();
    }
}
