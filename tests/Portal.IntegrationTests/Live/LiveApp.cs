using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Auth;

namespace Portal.IntegrationTests.Live;

/// <summary>
/// Portal on a real Kestrel port, as SignalR clients and a second instance need. Optionally joined to a Redis
/// backplane, on a database (and token signing key) shared with another instance.
/// </summary>
public class LiveApp : PortalApp
{
    private readonly string? _redis;
    private readonly DevelopmentTokens? _sharedTokens;

    protected LiveApp(DbProvider provider, PostgresServer? postgres, string? redis = null, string? sharedConnectionString = null, DevelopmentTokens? sharedTokens = null)
        : base(provider, postgres, sharedConnectionString)
    {
        _redis = redis;
        _sharedTokens = sharedTokens;
        UseKestrel(0);
    }

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        ClientOptions.BaseAddress = ServerAddress; // clients go to the real port, like the hub connections
    }

    public Uri ServerAddress => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseUrls("http://127.0.0.1:0");
        if (_redis is not null) builder.UseSetting("SignalR:Redis", _redis);
        // Two instances behind one load balancer trust the same issuer key; here that is the first instance's.
        if (_sharedTokens is not null) builder.ConfigureTestServices(s => s.AddSingleton(_sharedTokens));
    }

    public async Task<string> TokenForAsync(string email) => (await ClientForAsync(email)).DefaultRequestHeaders.Authorization!.Parameter!;

    public async Task<LiveClient> ConnectAsync(string email) => await LiveClient.ConnectAsync(ServerAddress, await TokenForAsync(email), email);
}

public sealed class SqliteLiveApp() : LiveApp(DbProvider.Sqlite, null);

/// <summary>Its own app: these tests end contracts.</summary>
public sealed class RevocationLiveApp() : LiveApp(DbProvider.Sqlite, null);

public sealed class ScaledOutApp(PostgresServer postgres, string redis, string? sharedConnectionString = null, DevelopmentTokens? sharedTokens = null)
    : LiveApp(DbProvider.PostgreSql, postgres, redis, sharedConnectionString, sharedTokens);
