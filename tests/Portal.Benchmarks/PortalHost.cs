using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portal.Benchmarks;

/// <summary>
/// Portal exactly as Program.cs composes it (Development, demo data, SQLite in a temp file, logging at
/// Warning), plus what the benchmark adds without touching Portal's code: a database command counter and,
/// through an <see cref="IStartupFilter"/>, the bare baseline endpoints in the same process and server.
/// </summary>
public sealed class PortalHost : WebApplicationFactory<Program>
{
    private readonly string _folder;
    private readonly Action<IServiceCollection>? _configureServices;

    private PortalHost(string folder, Action<IServiceCollection>? configureServices)
    {
        _folder = folder;
        _configureServices = configureServices;
    }

    /// <summary>Database commands, counted from EF Core's diagnostic events: nothing is added to Portal's DbContext options.</summary>
    public QueryCounter Queries { get; } = QueryCounter.Start();

    /// <summary>The SQLite file Portal runs on (a benchmark may fill it with the raw driver before measuring).</summary>
    public string DatabaseFile => Path.Combine(_folder, "portal.db");
    public BaselineResponses Baselines { get; } = new();

    /// <summary>
    /// Portal on a real Kestrel socket (127.0.0.1, port 0 = any free port), for wrk. <paramref name="postgreSql"/>: a connection
    /// string to an empty PostgreSQL database to run on instead of the SQLite file (the escalation scenario).
    /// </summary>
    public static PortalHost StartOnKestrel(int port, Action<IServiceCollection>? configureServices = null, string? postgreSql = null)
    {
        var host = Create(configureServices);
        if (postgreSql is not null)
        {
            Environment.SetEnvironmentVariable("Database__Provider", "PostgreSql");
            Environment.SetEnvironmentVariable("ConnectionStrings__Portal", postgreSql);
        }
        host.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        host.StartServer();
        return host;
    }

    /// <summary>Portal on the in-memory test server (no socket), for the microbenchmarks.</summary>
    public static PortalHost StartInMemory(Action<IServiceCollection>? configureServices = null)
    {
        var host = Create(configureServices);
        host.StartServer();
        return host;
    }

    public Uri BaseAddress
    {
        get
        {
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
            var first = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("Kestrel reported no address.");
            return new Uri(first.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        }
    }

    private static PortalHost Create(Action<IServiceCollection>? configureServices)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"portal-bench-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32]);
        Directory.CreateDirectory(folder);
        // Program.cs reads these while it composes the app (before WebApplicationFactory's own hooks run),
        // so they go in as environment variables of this process: the same way an operator sets them.
        Environment.SetEnvironmentVariable("ASPNETCORE_ENVIRONMENT", "Development");
        Environment.SetEnvironmentVariable("Database__Provider", "Sqlite");
        Environment.SetEnvironmentVariable("Database__SeedDemoData", "true");
        Environment.SetEnvironmentVariable("Database__DemoEscalationClocks", "false"); // as measured before the demo had clocks
        Environment.SetEnvironmentVariable("ConnectionStrings__Portal", $"Data Source={Path.Combine(folder, "portal.db")}");
        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
        Environment.SetEnvironmentVariable("Logging__LogLevel__Microsoft.AspNetCore", "Warning");
        Environment.SetEnvironmentVariable("Logging__LogLevel__Microsoft.EntityFrameworkCore", "Warning");
        // The rate limiter stays ON, so every measured request pays for its partition lookup and token bucket, but with
        // budgets no benchmark reaches (wrk drives one user's token at tens of thousands of requests a second): the
        // figures are the limiter's cost, never its refusals. Production defaults are in RateLimitOptions.
        foreach (var limit in new[] { "PerUser", "PerOrganisation", "PerAnonymousAddress", "Uploads", "BulkUpdates" })
        {
            Environment.SetEnvironmentVariable($"RateLimits__{limit}__Burst", "1000000000");
            Environment.SetEnvironmentVariable($"RateLimits__{limit}__PerMinute", "1000000000");
        }
        return new PortalHost(folder, configureServices);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        // WebApplicationFactory looks for its manifest in the current directory; bench.sh runs from the repo root.
        builder.UseContentRoot(PortalContentRoot());
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureServices(services =>
        {
            services.AddSingleton(Queries);
            services.AddSingleton(Baselines);
            services.AddHttpContextAccessor(); // Portal registers it too (Identity.Web); the counter reads the request from it
            services.AddSingleton<IStartupFilter, BaselineEndpoints>();
            _configureServices?.Invoke(services);
        });
    }

    /// <summary>src/Portal.Web, from the manifest the Mvc.Testing package writes beside this program, else found upwards.</summary>
    internal static string PortalContentRoot()
    {
        var manifest = Path.Combine(AppContext.BaseDirectory, "MvcTestingAppManifest.json");
        if (File.Exists(manifest))
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(manifest));
            foreach (var entry in json.RootElement.EnumerateObject())
            {
                if (entry.Name.StartsWith("Portal.Web,", StringComparison.Ordinal) && Directory.Exists(entry.Value.GetString())) return entry.Value.GetString()!;
            }
        }
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "src", "Portal.Web");
            if (File.Exists(Path.Combine(candidate, "Portal.Web.csproj"))) return candidate;
        }
        throw new InvalidOperationException($"src/Portal.Web not found above {AppContext.BaseDirectory}.");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        Queries.Dispose();
        try
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; the OS cleans /tmp.
        }
    }
}
