using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Portal.IntegrationTests.Live;

namespace Portal.IntegrationTests.Hardening;

/// <summary>
/// Portal on a real port (a real client address) with limits small enough to meet in a test, set through configuration
/// as an operator would. Refills are one token a minute, so nothing refills while a test runs.
/// </summary>
public sealed class RateLimitedApp() : LiveApp(DbProvider.Sqlite, null)
{
    public const int PerUser = 8;
    public const int PerOrganisation = 10;
    public const int PerAddress = 20;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        UseSmallLimits(builder);
    }

    public static void UseSmallLimits(IWebHostBuilder builder)
    {
        builder.UseSetting("RateLimits:PerUser:Burst", PerUser.ToString());
        builder.UseSetting("RateLimits:PerUser:PerMinute", "1");
        builder.UseSetting("RateLimits:PerOrganisation:Burst", PerOrganisation.ToString());
        builder.UseSetting("RateLimits:PerOrganisation:PerMinute", "1");
        builder.UseSetting("RateLimits:PerAnonymousAddress:Burst", PerAddress.ToString());
        builder.UseSetting("RateLimits:PerAnonymousAddress:PerMinute", "1");
        builder.UseSetting("RateLimits:Uploads:Burst", "1");
        builder.UseSetting("RateLimits:Uploads:PerMinute", "1");
        builder.UseSetting("RateLimits:BulkUpdates:Burst", "1");
        builder.UseSetting("RateLimits:BulkUpdates:PerMinute", "1");
    }
}

/// <summary>
/// Each test spends the budget of its own users and organisations (and tokens are minted directly, not through the
/// anonymous /dev/token), so the tests do not depend on each other's order.
/// </summary>
public sealed class RateLimitTests(RateLimitedApp app) : IClassFixture<RateLimitedApp>
{
    private const string Lucas = "lucas@tailspin.example";        // Tailspin CustomerAdmin
    private const string Emma = "emma@fabrikamhealth.example";    // Fabrikam CustomerViewer
    private const string Felix = "felix@alpineskihouse.example";  // Alpine Ski House CustomerViewer
    private const string Noah = "noah@northwindairways.example";  // Northwind (Olivia's request in another test leaves its budget enough)

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient ClientOf(string email)
    {
        var user = app.Demo.User(email);
        return app.ClientWithToken(app.MintToken(user.Tid, user.Oid, user.Name));
    }

    /// <summary>Two device import uploads (the uploads policy, one a minute): the first is served, the second refused.</summary>
    private static async Task UploadUntilThePolicyRefusesAsync(HttpClient client)
    {
        var path = $"/api/v1/incidents/{Guid.NewGuid()}/device-imports"; // the incident need not exist: the limiter answers first
        using (var first = await client.SendRawAsync(HttpMethod.Post, path, "hostname\nA\n", "text/csv"))
            first.StatusCode.ShouldNotBe(HttpStatusCode.TooManyRequests);
        using var second = await client.SendRawAsync(HttpMethod.Post, path, "hostname\nA\n", "text/csv");
        await ShouldBeRateLimitedAsync(second);
    }

    [Fact]
    public async Task A_user_over_their_limit_gets_429_with_Retry_After_and_a_problem_and_a_colleague_is_not_affected()
    {
        using var maya = ClientOf(DemoDirectory.Maya);
        for (var i = 0; i < RateLimitedApp.PerUser; i++)
        {
            using var ok = await maya.GetAsync("/api/v1/me", Ct);
            ok.StatusCode.ShouldBe(HttpStatusCode.OK, $"request {i + 1} of {RateLimitedApp.PerUser}");
        }

        using var refused = await maya.GetAsync("/api/v1/me", Ct);
        await ShouldBeRateLimitedAsync(refused);

        // Sam is in Maya's organisation, whose budget is not used up.
        using var sam = ClientOf(DemoDirectory.Sam);
        using var colleague = await sam.GetAsync("/api/v1/me", Ct);
        colleague.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_organisation_over_its_limit_gets_429_and_another_organisation_is_not_affected()
    {
        using var ines = ClientOf(DemoDirectory.Ines);
        using var jonas = ClientOf(DemoDirectory.Jonas);
        // Bluepeak's budget spent by two people, neither over their own.
        for (var i = 0; i < RateLimitedApp.PerOrganisation; i++)
        {
            using var ok = await (i % 2 == 0 ? ines : jonas).GetAsync("/api/v1/me", Ct);
            ok.StatusCode.ShouldBe(HttpStatusCode.OK, $"request {i + 1} of {RateLimitedApp.PerOrganisation}");
        }

        using (var refused = await jonas.GetAsync("/api/v1/me", Ct)) await ShouldBeRateLimitedAsync(refused);
        using (var refused = await ines.GetAsync("/api/v1/incidents", Ct)) await ShouldBeRateLimitedAsync(refused);

        // Northwind, another tenant, is served as before.
        using var olivia = ClientOf(DemoDirectory.Olivia);
        using var other = await olivia.GetAsync("/api/v1/me", Ct);
        other.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Anonymous_requests_are_limited_per_client_address_and_signed_in_users_are_not_affected()
    {
        var feed = $"/feeds/providers/{app.Demo.Org("Sentinel Shield Security").Id}/advisories.atom";
        using var anonymous = app.Anonymous();
        HttpResponseMessage? refused = null;
        // Other tests of this class may have spent a little of the address's budget (nothing else here is anonymous).
        for (var i = 0; i <= RateLimitedApp.PerAddress && refused is null; i++)
        {
            var response = await anonymous.GetAsync(feed, Ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else
            {
                response.StatusCode.ShouldBe(HttpStatusCode.OK);
                response.Dispose();
            }
        }
        refused.ShouldNotBeNull($"{RateLimitedApp.PerAddress + 1} anonymous requests were all served");
        using (refused) await ShouldBeRateLimitedAsync(refused);

        // Static files are open to anyone and not counted: the sign-in page's stylesheet still loads.
        using (var css = await anonymous.GetAsync("/css/site.css", Ct)) css.StatusCode.ShouldBe(HttpStatusCode.OK);

        // A token Portal refuses counts as anonymous too: refused by the limit before it is looked at.
        using var forged = app.ClientWithToken(app.MintToken(Guid.NewGuid(), Guid.NewGuid()));
        using (var response = await forged.GetAsync("/api/v1/me", Ct)) await ShouldBeRateLimitedAsync(response);

        // The same address with a signed-in user draws on the user's budget, not the address's.
        using var hana = ClientOf(DemoDirectory.Hana);
        using var signedIn = await hana.GetAsync(feed, Ct);
        signedIn.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Uploads_and_bulk_updates_have_tighter_limits_than_other_requests()
    {
        using var lucas = ClientOf(Lucas);
        await UploadUntilThePolicyRefusesAsync(lucas);

        using var emma = ClientOf(Emma);
        var incident = Guid.NewGuid();
        var bulk = new { state = "Done", items = new[] { new { externalId = "x" } } };
        using (var first = await emma.PostJsonAsync($"/api/v1/incidents/{incident}/tasks/bulk-state", bulk))
            first.StatusCode.ShouldNotBe(HttpStatusCode.TooManyRequests);
        using (var second = await emma.PostJsonAsync($"/api/v1/incidents/{incident}/tasks/bulk-state", bulk))
            await ShouldBeRateLimitedAsync(second);

        // Other routes still answer: the tighter budgets are their own.
        using var me = await emma.GetAsync("/api/v1/me", Ct);
        me.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>
    /// The rate limiting middleware asks the global limiter again after any refusal: a request refused by the upload policy
    /// (after the user's and organisation's budgets had served it) must not be charged to them a second time.
    /// </summary>
    [Fact]
    public async Task A_request_refused_by_a_route_policy_is_charged_to_the_users_budget_once()
    {
        using var noah = ClientOf(Noah);
        await UploadUntilThePolicyRefusesAsync(noah);

        // Two requests charged: the rest of the user's budget is still there, then no more.
        var served = 0;
        while (served <= RateLimitedApp.PerUser)
        {
            using var response = await noah.GetAsync("/api/v1/me", Ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) break;
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            served++;
        }
        served.ShouldBe(RateLimitedApp.PerUser - 2);
    }

    [Fact]
    public async Task Hub_method_calls_draw_on_the_same_budget_and_are_refused_with_a_HubException()
    {
        var felix = app.Demo.User(Felix);
        await using var client = await LiveClient.ConnectAsync(app.ServerAddress, app.MintToken(felix.Tid, felix.Oid, felix.Name), "felix");
        // Negotiation and the WebSocket request are two of the user's requests; the calls spend the rest.
        var served = 0;
        HubException? refusal = null;
        while (refusal is null && served <= RateLimitedApp.PerUser)
        {
            try
            {
                await client.Connection.InvokeAsync<string[]>("MyGroups", Ct);
                served++;
            }
            catch (HubException e)
            {
                refusal = e;
            }
        }
        refusal.ShouldNotBeNull($"{served} hub calls were all served");
        served.ShouldBe(RateLimitedApp.PerUser - 2);
        refusal.Message.ShouldContain("Too many requests");
        client.Connection.State.ShouldBe(HubConnectionState.Connected, "a refused call does not close the connection");

        // And the API, on the same budget, refuses this user too.
        using var api = ClientOf(Felix);
        using var response = await api.GetAsync("/api/v1/me", Ct);
        await ShouldBeRateLimitedAsync(response);
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_429_with_Retry_After_on_every_API_operation()
    {
        using var client = app.Anonymous();
        using var document = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json", Ct));
        var operations = 0;
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal)))
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Value.ValueKind == System.Text.Json.JsonValueKind.Object && o.Value.TryGetProperty("responses", out _)))
            {
                operations++;
                operation.Value.GetProperty("responses").TryGetProperty("429", out var tooMany).ShouldBeTrue($"{operation.Name.ToUpperInvariant()} {path.Name} does not list 429");
                tooMany.TryGetProperty("headers", out var headers).ShouldBeTrue($"{path.Name}: 429 without headers");
                headers.TryGetProperty("Retry-After", out _).ShouldBeTrue($"{path.Name}: 429 without Retry-After");
            }
        }
        operations.ShouldBeGreaterThan(40);
    }

    private static async Task ShouldBeRateLimitedAsync(HttpResponseMessage response)
    {
        var problem = await response.ReadProblemAsync(HttpStatusCode.TooManyRequests);
        problem.Status.ShouldBe(429);
        problem.Code.ShouldBe("rate_limited");
        System.Text.Json.JsonDocument.Parse(problem.Raw).RootElement.GetProperty("type").GetString().ShouldBe("https://tools.ietf.org/html/rfc6585#section-4",
            "a problem names its type, as every other status's does");
        var retryAfter = response.Headers.RetryAfter.ShouldNotBeNull("a 429 says when to come back");
        retryAfter.Delta.ShouldNotBeNull().TotalSeconds.ShouldBeGreaterThanOrEqualTo(1);
    }
}
