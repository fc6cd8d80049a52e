using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.IntegrationTests.Infrastructure;

public enum DbProvider { Sqlite, PostgreSql }

/// <summary>
/// The real app (Development environment, real bearer pipeline, real migrations, demo data) on one database of
/// its own: a fresh SQLite file, or a fresh database on the run's PostgreSQL server. One per test class.
/// </summary>
public abstract partial class PortalApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly PostgresServer? _postgres;
    private readonly ConcurrentDictionary<string, Task<HttpClient>> _clients = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Lazy<Task<object>>> _shared = new();
    private string? _sqliteFile;

    /// <param name="sharedConnectionString">Another instance's database: two apps behind one load balancer.</param>
    protected PortalApp(DbProvider provider, PostgresServer? postgres, string? sharedConnectionString = null)
    {
        Provider = provider;
        _postgres = postgres;
        ConnectionString = sharedConnectionString ?? "";
    }

    public DbProvider Provider { get; }
    public string ConnectionString { get; private set; } = "";
    public DemoDirectory Demo { get; private set; } = null!;

    /// <summary>Extra settings a derived app applies (e.g. another environment).</summary>
    protected virtual string EnvironmentName => "Development";

    public virtual async ValueTask InitializeAsync()
    {
        // A shared connection string belongs to another instance, which created (and cleans up) the database.
        if (ConnectionString.Length == 0 && Provider == DbProvider.PostgreSql)
        {
            ConnectionString = await _postgres!.CreateDatabaseAsync("portal_it");
        }
        else if (ConnectionString.Length == 0)
        {
            _sqliteFile = TempFiles.NewPath("portal-it");
            ConnectionString = $"Data Source={_sqliteFile}";
        }
        _ = Services; // starts the host: migrations and demo data run before the first request
        Demo = await DemoDirectory.LoadAsync(this);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        builder.UseSetting("Database:Provider", Provider.ToString());
        builder.UseSetting("ConnectionStrings:Portal", ConnectionString);
        builder.UseSetting("Database:SeedDemoData", "true");
        builder.UseSetting("Database:DemoEscalationClocks", "false"); // DemoEscalationClocksTests turns them on
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.EntityFrameworkCore", "Warning");
    }

    /// <summary>A client (reused) that carries a bearer token of the demo user with this email, obtained from POST /dev/token.</summary>
    public Task<HttpClient> ClientForAsync(string email) => _clients.GetOrAdd(email, async e =>
    {
        using var anonymous = CreateClient();
        using var response = await anonymous.PostAsJsonAsync("/dev/token", new { email = e });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<TokenDto>())!.AccessToken;
        return ClientWithToken(token);
    });

    public HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = ClientOptions.BaseAddress });

    /// <summary>A browser signed in through the development sign-in form: it keeps its cookies and does not follow redirects.</summary>
    public async Task<HttpClient> PageClientForAsync(string email)
    {
        var ct = TestContext.Current.CancellationToken;
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var page = await client.GetStringAsync("/signin", ct);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userId"] = Demo.User(email).Id.ToString(),
            ["__RequestVerificationToken"] = SignInFormToken().Match(page).Groups[1].Value,
        });
        using var response = await client.PostAsync("/signin", form, ct);
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Redirect);
        return client;
    }

    [System.Text.RegularExpressions.GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial System.Text.RegularExpressions.Regex SignInFormToken();

    public HttpClient ClientWithToken(string token)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A correctly signed token whose tid/oid Portal may or may not know, or one signed with a foreign key.</summary>
    /// <param name="email">Sent as <c>preferred_username</c>, as Entra does (what binds an invitation at a first sign-in).</param>
    public string MintToken(Guid tid, Guid oid, string name = "Test Person", SecurityKey? signWith = null, string? email = null) =>
        Services.GetRequiredService<DevelopmentTokens>().CreateToken(tid, oid, name, TimeSpan.FromHours(1), signWith, email);

    /// <summary>Reads the database directly with system access (no query filters): the oracle the API is compared with.</summary>
    public async Task<T> QueryAsync<T>(Func<PortalDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        return await query(db);
    }

    /// <summary>Everything about one incident that a refused or invalid request must leave as it was.</summary>
    public Task<IncidentState> StateOfAsync(Guid incidentId) => QueryAsync(async db =>
    {
        var i = await db.Incidents.AsNoTracking().SingleAsync(x => x.Id == incidentId);
        var entries = await db.TimelineEntries.AsNoTracking().Where(t => t.IncidentId == incidentId).OrderBy(t => t.Sequence)
            .Select(t => t.Sequence + ":" + t.Kind + ":" + t.Visibility + ":" + t.Text).ToListAsync();
        return new IncidentState(i.Status, i.Version, i.AssigneeId, i.Title, i.Severity, i.CustomerSummary, i.TimelineLength, i.UpdatedAt,
            string.Join("\n", entries));
    });

    /// <summary>The tenant's incident counter and row count: a refused create must not move either.</summary>
    public Task<(int LastNumber, int Count)> TenantCountersAsync(Guid tenantId) => QueryAsync(async db =>
    {
        var last = await db.Organisations.AsNoTracking().Where(o => o.Id == tenantId).Select(o => o.LastIncidentNumber).SingleAsync();
        var count = await db.Incidents.AsNoTracking().CountAsync(i => i.TenantId == tenantId);
        return (last, count);
    });

    /// <summary>Per-class shared state built once (e.g. a target incident), whichever test asks first.</summary>
    public async Task<T> OnceAsync<T>(string key, Func<Task<T>> create) where T : class =>
        (T)await _shared.GetOrAdd(key, _ => new Lazy<Task<object>>(async () => await create())).Value;

    public override async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            if (client.IsCompletedSuccessfully) client.Result.Dispose();
        }
        await base.DisposeAsync();
        if (Provider == DbProvider.PostgreSql && ConnectionString.Length > 0)
        {
            // Npgsql keeps a stopped app's idle connections in its pool for minutes; with a database per test class the
            // leftovers of earlier classes once took the server past its connections ("53300: too many clients already").
            await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
            Npgsql.NpgsqlConnection.ClearPool(connection);
        }
        if (_sqliteFile is not null) TempFiles.DeleteSqlite(_sqliteFile);
        GC.SuppressFinalize(this);
    }

    private sealed record TokenDto(string AccessToken);
}

public sealed record IncidentState(IncidentStatus Status, long Version, Guid? AssigneeId, string Title, Severity Severity, string? CustomerSummary,
    int TimelineLength, DateTimeOffset UpdatedAt, string Timeline);

public sealed class SqliteApp() : PortalApp(DbProvider.Sqlite, null);

public sealed class PostgresApp(PostgresServer postgres) : PortalApp(DbProvider.PostgreSql, postgres);
