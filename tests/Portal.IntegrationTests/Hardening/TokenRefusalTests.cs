using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Portal.Infrastructure.Auth;
using Portal.IntegrationTests.Live;
using Portal.IntegrationTests.People;

namespace Portal.IntegrationTests.Hardening;

/// <summary>Portal on a real port (the hub's WebSocket needs one); members are removed and an organisation deactivated in it.</summary>
public sealed class TokenRefusalApp() : LiveApp(DbProvider.Sqlite, null);

/// <summary>
/// Every kind of bad token, through every door: the API, a page, the hub's negotiation, and the hub's WebSocket connect
/// (through the client's negotiation, and straight to the socket with the token in the query as browsers send it).
/// A token that is not valid is 401; a valid token that maps to nobody Portal accepts is 403. A good token passes
/// every door (the control that shows each door is really asked).
/// </summary>
public sealed class TokenRefusalTests(TokenRefusalApp app) : IClassFixture<TokenRefusalApp>
{
    private const string Felix = "felix@alpineskihouse.example"; // Alpine Ski House, deactivated below
    private const string HarborRmm = "rmm@harborit.example";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, int> Cases => new()
    {
        { "expired", 401 },
        { "not yet valid", 401 },
        { "wrong audience", 401 },
        { "wrong issuer", 401 },
        { "wrong signing key", 401 },
        { "alg none", 401 },
        { "unknown tid", 403 },
        { "unknown oid", 403 },
        { "removed member", 403 },
        { "deactivated organisation", 403 },
        { "app-only without the app role", 403 },
        { "a person's account with an app-only token", 403 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_bad_token_is_refused_on_the_API_the_pages_and_the_hub(string kind, int expected)
    {
        await PrepareAsync();
        var token = TokenFor(kind);
        var answers = await AnswersAsync(app.ServerAddress, token);
        answers.ShouldAllBe(a => a.Status == expected, string.Join("\n", answers.Select(a => $"{a.Door}: {a.Status} {a.Detail}")));
    }

    [Fact]
    public async Task A_good_token_passes_every_door()
    {
        var maya = app.Demo.User(DemoDirectory.Maya);
        var answers = await AnswersAsync(app.ServerAddress, Mint(maya.Tid, maya.Oid));
        answers.ShouldAllBe(a => a.Status == 200, string.Join("\n", answers.Select(a => $"{a.Door}: {a.Status} {a.Detail}")));
    }

    [Fact]
    public async Task A_development_token_is_refused_by_a_Production_app()
    {
        // Production with its own (stand-in Entra) issuer and key, as BootstrapTests runs it; the token is the
        // Development app's, for a user that exists in both databases (the demo data is not seeded in Production:
        // the ids are taken from this app's user, which is what a stolen development token would carry).
        using var file = new TempSqliteFile(); // declared first: deleted after the app has stopped
        await using var production = new BootstrapApp(file.Path, new Dictionary<string, string>());
        var maya = app.Demo.User(DemoDirectory.Maya);
        var developmentToken = Mint(maya.Tid, maya.Oid);
        using var client = production.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", developmentToken);

        using (var api = await client.GetAsync("/api/v1/me", Ct)) api.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "API");
        using (var negotiate = await client.PostAsync("/hubs/status/negotiate?negotiateVersion=1", null, Ct)) negotiate.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "hub negotiate");
        using (var page = await client.GetAsync("/triage", Ct)) page.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "page");
        // The hub's connect through the in-memory server, as its own client would (negotiation first).
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(production.Server.BaseAddress, "/hubs/status"), o =>
            {
                o.HttpMessageHandlerFactory = _ => production.Server.CreateHandler();
                o.Transports = HttpTransportType.LongPolling;
                o.AccessTokenProvider = () => Task.FromResult<string?>(developmentToken);
            })
            .Build();
        await using (connection)
        {
            var refused = await Should.ThrowAsync<HttpRequestException>(() => connection.StartAsync(Ct));
            refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "hub connect");
        }

        // The same token works on the Development app it came from (the refusal is about the app, not the token).
        using var development = app.ClientWithToken(developmentToken);
        using var me = await development.GetAsync("/api/v1/me", Ct);
        me.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private sealed record Answer(string Door, int Status, string Detail);

    private async Task<List<Answer>> AnswersAsync(Uri server, string token)
    {
        var answers = new List<Answer>();
        using var client = app.ClientWithToken(token);

        using (var api = await client.GetAsync("/api/v1/me", Ct))
            answers.Add(new("API GET /api/v1/me", (int)api.StatusCode, await api.Content.ReadAsStringAsync(Ct)));
        using (var write = await client.PostJsonAsync($"/api/v1/tenants/{app.Demo.TenantId(DemoDirectory.Northwind)}/incidents", new { title = "token check", severity = "Sev4" }))
            answers.Add(new("API POST incident", write.StatusCode == HttpStatusCode.Created ? 200 : (int)write.StatusCode, await write.Content.ReadAsStringAsync(Ct)));

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/triage"))
        {
            request.Headers.Accept.ParseAdd("text/html");
            using var page = await client.SendAsync(request, Ct);
            answers.Add(new("page GET /triage", (int)page.StatusCode, page.Headers.Location?.ToString() ?? ""));
        }

        using (var negotiate = await client.PostAsync("/hubs/status/negotiate?negotiateVersion=1", null, Ct))
            answers.Add(new("hub negotiate", (int)negotiate.StatusCode, await negotiate.Content.ReadAsStringAsync(Ct)));

        // The .NET client: negotiation, then the WebSocket.
        var viaNegotiation = new HubConnectionBuilder()
            .WithUrl(new Uri(server, "/hubs/status"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        answers.Add(new("hub connect", await StartAsync(viaNegotiation), ""));

        // Straight to the WebSocket, token in the query string (what browsers send).
        var direct = new HubConnectionBuilder()
            .WithUrl(new Uri(server, "/hubs/status"), o =>
            {
                o.SkipNegotiation = true;
                o.Transports = HttpTransportType.WebSockets;
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build();
        answers.Add(new("hub WebSocket without negotiation", await StartAsync(direct), ""));
        return answers;
    }

    /// <summary>200 when the connection starts and a hub method answers; else the status the server refused it with.</summary>
    private static async Task<int> StartAsync(HubConnection connection)
    {
        await using (connection)
        {
            try
            {
                await connection.StartAsync(Ct);
                await connection.InvokeAsync<string[]>("MyGroups", Ct);
                return 200;
            }
            catch (HttpRequestException e) when (e.StatusCode is { } status)
            {
                return (int)status;
            }
            catch (WebSocketException e) when (StatusIn(e.Message) is { } status)
            {
                return status;
            }
        }
    }

    /// <summary>"The server returned status code '401' when status code '101' was expected."</summary>
    private static int? StatusIn(string message)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message, "status code '(\\d{3})' when");
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Removes Sam from Harbor (by Liam, through the API) and deactivates Alpine Ski House (by Ada), once.</summary>
    private Task<string> PrepareAsync() => app.OnceAsync("prepared", async () =>
    {
        var harbor = app.Demo.TenantId("Harbor IT Partners");
        var sam = app.Demo.User(DemoDirectory.Sam);
        var membership = await app.QueryAsync(db => db.Memberships.Where(m => m.UserId == sam.Id && m.OrganisationId == harbor).Select(m => m.Id).SingleAsync(Ct));
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        using (var removed = await liam.DeleteAsync($"/api/v1/organisations/{harbor}/members/{membership}", Ct))
            removed.StatusCode.ShouldBe(HttpStatusCode.NoContent, await removed.Content.ReadAsStringAsync(Ct));

        var alpine = app.Demo.TenantId("Alpine Ski House");
        var ada = await app.ClientForAsync(DemoDirectory.Ada);
        using (var deactivated = await ada.PostAsync($"/api/v1/organisations/{alpine}/deactivate", null, Ct))
            deactivated.StatusCode.ShouldBe(HttpStatusCode.OK, await deactivated.Content.ReadAsStringAsync(Ct));
        return "done";
    });

    private string TokenFor(string kind)
    {
        var maya = app.Demo.User(DemoDirectory.Maya);
        var now = DateTime.UtcNow;
        return kind switch
        {
            "expired" => Mint(maya.Tid, maya.Oid, notBefore: now.AddHours(-2), expires: now.AddMinutes(-10)),
            "not yet valid" => Mint(maya.Tid, maya.Oid, notBefore: now.AddMinutes(30), expires: now.AddHours(2)),
            "wrong audience" => Mint(maya.Tid, maya.Oid, audience: "api://someone-else"),
            "wrong issuer" => Mint(maya.Tid, maya.Oid, issuer: $"https://login.microsoftonline.com/{maya.Tid}/v2.0"),
            "wrong signing key" => Mint(maya.Tid, maya.Oid, key: new RsaSecurityKey(RSA.Create(2048)) { KeyId = Tokens.Key.KeyId }),
            "alg none" => Unsigned(maya.Tid, maya.Oid),
            "unknown tid" => Mint(Guid.NewGuid(), Guid.NewGuid()),
            "unknown oid" => Mint(maya.Tid, Guid.NewGuid()),
            "removed member" => Mint(app.Demo.User(DemoDirectory.Sam).Tid, app.Demo.User(DemoDirectory.Sam).Oid),
            "deactivated organisation" => Mint(app.Demo.User(Felix).Tid, app.Demo.User(Felix).Oid),
            "app-only without the app role" => Tokens.CreateAppToken(app.Demo.User(HarborRmm).Tid, app.Demo.User(HarborRmm).Oid, ["Something.Else"]),
            "a person's account with an app-only token" => Tokens.CreateAppToken(maya.Tid, maya.Oid, [MachineClients.RemediationRole]),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    private DevelopmentTokens Tokens => app.Services.GetRequiredService<DevelopmentTokens>();

    /// <summary>A delegated token as the development issuer makes one, with any of its parts changed.</summary>
    private string Mint(Guid tid, Guid oid, DateTime? notBefore = null, DateTime? expires = null, string? audience = null, string? issuer = null, SecurityKey? key = null)
    {
        var now = DateTime.UtcNow;
        var nbf = notBefore ?? now.AddMinutes(-1);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? DevelopmentTokens.Issuer,
            Audience = audience ?? Tokens.Audience,
            IssuedAt = nbf,
            NotBefore = nbf,
            Expires = expires ?? now.AddHours(1),
            Subject = new ClaimsIdentity([new Claim("tid", tid.ToString()), new Claim("oid", oid.ToString()), new Claim("name", "Token Test"), new Claim("scp", DevelopmentTokens.Scope)]),
            SigningCredentials = new SigningCredentials(key ?? Tokens.Key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>The right claims with <c>"alg": "none"</c> and no signature.</summary>
    private string Unsigned(Guid tid, Guid oid)
    {
        var now = DateTimeOffset.UtcNow;
        var header = """{"alg":"none","typ":"JWT"}""";
        var payload = $$"""{"iss":"{{DevelopmentTokens.Issuer}}","aud":"{{Tokens.Audience}}","nbf":{{now.AddMinutes(-1).ToUnixTimeSeconds()}},"iat":{{now.AddMinutes(-1).ToUnixTimeSeconds()}},"exp":{{now.AddHours(1).ToUnixTimeSeconds()}},"tid":"{{tid}}","oid":"{{oid}}","name":"Token Test","scp":"{{DevelopmentTokens.Scope}}"}""";
        return $"{Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(header))}.{Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(payload))}.";
    }
}
