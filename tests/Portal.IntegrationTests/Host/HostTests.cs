using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Portal.IntegrationTests.Host;

/// <summary>The app outside Development: an explicit environment and settings, its own SQLite file; nothing else shared.</summary>
public sealed class ProductionApp(IReadOnlyDictionary<string, string> settings) : WebApplicationFactory<Program>
{
    private readonly string _file = TempFiles.NewPath("portal-it");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Database:Provider", "Sqlite");
        builder.UseSetting("ConnectionStrings:Portal", $"Data Source={_file}");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // Outside Development Portal needs a certificate for its Data Protection keys; a test may override (or blank) it.
        foreach (var (key, value) in TestCertificate.Settings) builder.UseSetting(key, value);
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        TempFiles.DeleteSqlite(_file);
    }
}

public sealed class HostTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>What Production needs to start without talking to Entra ID (its metadata is fetched on the first challenge only).</summary>
    internal static readonly Dictionary<string, string> FakeEntra = new()
    {
        ["AzureAd:Instance"] = "https://login.microsoftonline.com/",
        ["AzureAd:TenantId"] = "organizations",
        ["AzureAd:ClientId"] = "test",
    };

    [Fact]
    public async Task Production_without_an_AzureAd_client_id_refuses_to_start_and_says_why()
    {
        await using var production = new ProductionApp(new Dictionary<string, string> { ["AzureAd:ClientId"] = "" });
        var exception = Should.Throw<Exception>(() => production.CreateClient());
        var messages = string.Join("\n", Chain(exception).Select(e => e.Message));
        messages.ShouldContain("AzureAd");
        messages.ShouldContain("ClientId");
    }

    [Fact]
    public async Task Development_sign_in_and_dev_tokens_do_not_exist_outside_Development()
    {
        await using var production = new ProductionApp(FakeEntra);
        using var client = production.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var maya = app.Demo.User(DemoDirectory.Maya);

        // "does not exist" = answers exactly like a path that was never mapped (POST to an unknown path is 405 here,
        // because the static-assets fallback endpoint takes GET/HEAD on every path), and issues nothing.
        using (var token = await client.PostAsJsonAsync("/dev/token", new { email = DemoDirectory.Maya }, Ct))
        using (var unknown = await client.PostAsJsonAsync($"/dev/{Guid.NewGuid():N}", new { email = DemoDirectory.Maya }, Ct))
        {
            token.StatusCode.ShouldBeOneOf(HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed);
            token.StatusCode.ShouldBe(unknown.StatusCode);
            (await token.Content.ReadAsStringAsync(Ct)).ShouldNotContain("accessToken");
        }
        using (var users = await client.GetAsync("/dev/users", Ct))
        {
            users.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await users.Content.ReadAsStringAsync(Ct)).ShouldNotContain("@");
        }
        // Posting a demo user to the sign-in page must not sign anyone in (404 without the page, 400/404 with it).
        // GET /signin is deliberately not requested: outside Development it is an OpenID Connect challenge, which
        // fetches Entra ID's metadata over the network; this machine has none.
        using (var signIn = await client.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["userId"] = maya.Id.ToString() }), Ct))
        {
            ((int)signIn.StatusCode).ShouldBeInRange(400, 499, "the demo sign-in must not work in Production");
            signIn.Headers.Contains("Set-Cookie").ShouldBeFalse("no sign-in cookie");
        }
        // the API still answers 401 without a token (the bearer challenge needs no metadata)
        using (var me = await client.GetAsync("/api/v1/me", Ct))
        {
            me.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        // positive control: the same request works in Development
        using var development = app.Anonymous();
        using var devToken = await development.PostAsJsonAsync("/dev/token", new { email = DemoDirectory.Maya }, Ct);
        devToken.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task OpenAPI_document_lists_every_incident_route()
    {
        using var client = app.Anonymous();
        using var response = await client.GetAsync("/openapi/v1.json", Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var paths = document.RootElement.GetProperty("paths");
        var expected = new (string Path, string Method)[]
        {
            ("/api/v1/tenants/{tenantId}/incidents", "post"),
            ("/api/v1/incidents", "get"),
            ("/api/v1/incidents/{id}", "get"),
            ("/api/v1/incidents/{id}/acknowledge", "post"),
            ("/api/v1/incidents/{id}/assign", "post"),
            ("/api/v1/incidents/{id}/status", "post"),
            ("/api/v1/incidents/{id}/notes", "post"),
            ("/api/v1/incidents/{id}/timeline", "get"),
            ("/api/v1/tenants/{tenantId}/status", "get"),
            ("/api/v1/me", "get"),
        };
        foreach (var (path, method) in expected)
        {
            paths.TryGetProperty(path, out var item).ShouldBeTrue($"{path} is missing from the OpenAPI document");
            item.TryGetProperty(method, out _).ShouldBeTrue($"{method.ToUpperInvariant()} {path} is missing");
        }
        // the list's query parameters are documented (clients generate code from this)
        var parameters = paths.GetProperty("/api/v1/incidents").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Select(p => p.GetProperty("name").GetString()!.ToLowerInvariant()).ToList();
        // (documented as TenantId, PageSize...; binding is case-insensitive, so only the set of names is asserted)
        parameters.ShouldBe(["tenantid", "status", "severity", "assigneeid", "unassigned", "open", "overdue", "q", "page", "pagesize", "cursor"], ignoreOrder: true);
    }

    [Fact]
    public async Task Scalar_reference_page_answers()
    {
        using var client = app.Anonymous();
        using var response = await client.GetAsync("/scalar/v1", Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, html);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("text/html");
        html.ShouldContain("scalar", Case.Insensitive);
    }

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x;
            if (x is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain)) yield return inner;
            }
        }
    }
}
