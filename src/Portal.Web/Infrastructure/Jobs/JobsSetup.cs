using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.SqlServer;
using Hangfire.Storage.SQLite;
using Microsoft.Data.Sqlite;
using Portal.Infrastructure.Data;

namespace Portal.Infrastructure.Jobs;

/// <summary>
/// Hangfire, the executor of background work (the database stays the truth: every job re-reads it and is idempotent,
/// and each feature adds a recurring sweep that hands out again whatever a lost job left unfinished). The storage follows
/// <c>Database:Provider</c>: SQL Server and PostgreSQL keep Hangfire's tables in the Portal database under their own
/// schema (<c>Jobs:Schema</c>, default <c>hangfire</c>); the embedded SQLite default keeps them in a file of their own
/// beside the Portal file (<c>portal.hangfire.db</c> next to <c>portal.db</c>), so the two never lock each other.
/// <c>Jobs:RunServer</c> (default true) = false gives an instance that enqueues and shows the dashboard but runs no job.
/// </summary>
public static class JobsSetup
{
    public const string DashboardPath = "/jobs";

    public static void AddPortalJobs(this WebApplicationBuilder builder)
    {
        var (provider, connectionString) = builder.PortalDatabase();
        var schema = builder.Configuration["Jobs:Schema"] is { Length: > 0 } s ? s : "hangfire";
        var queuePoll = TimeSpan.FromSeconds(1);

        // The storage is built here, not through GlobalConfiguration.UseXxxStorage: that sets the static JobStorage.Current,
        // which two hosts in one process (the tests) would share. AddHangfire only adds what is not registered yet.
        builder.Services.AddSingleton<JobStorage>(_ => provider switch
        {
            DatabaseProvider.Sqlite => new SQLiteStorage(HangfireSqliteFile(connectionString), new SQLiteStorageOptions
            {
                JournalMode = SQLiteStorageOptions.JournalModes.WAL, // the default; stated on purpose (readers never wait)
                QueuePollInterval = queuePoll,                         // default 15 s
            }),
            DatabaseProvider.PostgreSql => PostgreSql(connectionString, new PostgreSqlStorageOptions
            {
                SchemaName = schema,
                QueuePollInterval = queuePoll,
                PrepareSchemaIfNecessary = true,
            }),
            DatabaseProvider.SqlServer => new SqlServerStorage(connectionString, new SqlServerStorageOptions
            {
                SchemaName = schema,
                QueuePollInterval = queuePoll,
                SqlClientFactory = Microsoft.Data.SqlClient.SqlClientFactory.Instance,
                PrepareSchemaIfNecessary = true,
            }),
            _ => throw new InvalidOperationException($"No job storage for Database:Provider {provider}."),
        });
        // Likewise the activator: GlobalConfiguration.UseActivator (what AddHangfire does) is static, and a job of one host would
        // run with the services (the database) of whichever host configured last. Each host activates jobs in its own container.
        builder.Services.AddSingleton<JobActivator>(services => new Hangfire.AspNetCore.AspNetCoreJobActivator(services.GetRequiredService<IServiceScopeFactory>()));
        builder.Services.AddHostedService<HangfireLogging.HostRegistration>(); // before the server: started before it, stopped after it
        builder.Services.AddSingleton<RecurringJobs>();
        builder.Services.AddScoped<IdempotencyRetention>();
        builder.Services.AddHostedService<IdempotencyRetention.Startup>();
        builder.Services.AddHangfire(c => c
            .UseLogProvider(HangfireLogging.Provider) // static too: not the factory of one host (see HangfireLogging)
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());

        if (builder.Configuration.GetValue("Jobs:RunServer", true))
        {
            var workers = builder.Configuration.GetValue("Jobs:WorkerCount", Math.Clamp(Environment.ProcessorCount, 2, 8));
            builder.Services.AddHangfireServer(o =>
            {
                o.WorkerCount = workers;
                o.SchedulePollingInterval = TimeSpan.FromSeconds(1); // default 15 s: delayed jobs would run up to 15 s late
                o.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}";
            });
            StopsOnceHostedService.WrapLastRegistration(builder.Services); // a host stopped twice at once stops the server once
        }
    }

    /// <summary>The Hangfire dashboard at /jobs: signed-in PlatformAdmins, nobody else (<see cref="JobsDashboardAuthorization"/>).</summary>
    public static void MapPortalJobsDashboard(this WebApplication app)
    {
        app.MapHangfireDashboard(DashboardPath, new DashboardOptions
        {
            AppPath = "/",
            DashboardTitle = "Portal background jobs",
            DisplayStorageConnectionString = false,
            AsyncAuthorization = [new JobsDashboardAuthorization()],
        }).RequireAuthorization(); // anonymous: the sign-in challenge; a signed-in user then meets the filter (403)
    }

    private static PostgreSqlStorage PostgreSql(string connectionString, PostgreSqlStorageOptions options) =>
        new(new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(connectionString, options), options);

    /// <summary>portal.db → portal.hangfire.db in the same folder (Hangfire.Storage.SQLite takes a plain path, not a connection string).</summary>
    public static string HangfireSqliteFile(string portalConnectionString)
    {
        var portalFile = new SqliteConnectionStringBuilder(portalConnectionString).DataSource;
        if (string.IsNullOrEmpty(portalFile) || portalFile == ":memory:")
            throw new InvalidOperationException("Background jobs on SQLite need the Portal database in a file (ConnectionStrings:Portal = Data Source=path).");
        var folder = Path.GetDirectoryName(Path.GetFullPath(portalFile))!;
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, Path.GetFileNameWithoutExtension(portalFile) + ".hangfire.db");
    }
}
