using System.Text.Json;
using Microsoft.AspNetCore.Hosting;

namespace Portal.IntegrationTests.Errors;

/// <summary>
/// A known path asked with a method it does not take answers 405 with <c>Allow</c> (RFC 9110 §15.5.6) and problem details,
/// on the API and on the hub, for anyone: the answer comes from the route table, which the OpenAPI document publishes anyway,
/// before authentication and before any handler, so it says nothing about whether an id exists or whom it belongs to.
/// </summary>
public sealed class MethodNotAllowedTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Sends the request and checks the whole 405: status, Allow, problem details with the status and a trace id.</summary>
    internal static async Task ShouldBeMethodNotAllowedAsync(HttpClient client, HttpMethod method, string path, string allow, string? accept = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (accept is not null) request.Headers.Accept.ParseAdd(accept);
        using var response = await client.SendAsync(request, Ct);
        var problem = await response.ReadProblemAsync(HttpStatusCode.MethodNotAllowed);
        string.Join(", ", response.Content.Headers.Allow).ShouldBe(allow, $"{method} {path}");
        problem.Status.ShouldBe(405);
        problem.Title.ShouldBe("Method Not Allowed");
        using var body = JsonDocument.Parse(problem.Raw);
        body.RootElement.GetProperty("traceId").GetString().ShouldNotBeNullOrWhiteSpace();
    }

    private async Task<Guid> IncidentAsync() => (Guid)await app.OnceAsync<object>("incident", async () =>
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, response) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), "Wrong-method target");
        response.Dispose();
        return incident.Id;
    });

    public static TheoryData<string, string, string> ApiRoutes => new()
    {
        { "GET", "/api/v1/incidents/{incident}/acknowledge", "POST" },
        { "DELETE", "/api/v1/incidents", "GET" },
        { "PUT", "/api/v1/me", "GET" },
        { "PATCH", "/api/v1/incidents/{incident}", "GET" },
        { "DELETE", "/api/v1/tenants/{tenant}/subscriptions", "GET, POST" },
        { "POST", "/api/v1/tenants/{tenant}/status", "GET" },
    };

    [Theory]
    [MemberData(nameof(ApiRoutes))]
    public async Task A_wrong_method_on_an_api_route_is_405_with_allow_for_a_signed_in_user_and_for_anyone(string method, string route, string allow)
    {
        var path = route.Replace("{incident}", (await IncidentAsync()).ToString(), StringComparison.Ordinal)
            .Replace("{tenant}", app.Demo.TenantId(DemoDirectory.Northwind).ToString(), StringComparison.Ordinal);
        await ShouldBeMethodNotAllowedAsync(await app.ClientForAsync(DemoDirectory.Maya), new HttpMethod(method), path, allow);
        using var anonymous = app.Anonymous();
        await ShouldBeMethodNotAllowedAsync(anonymous, new HttpMethod(method), path, allow);
        // Someone of another MSP and someone Portal does not know get the same answer: the route exists for everyone.
        await ShouldBeMethodNotAllowedAsync(await app.ClientForAsync(DemoDirectory.Ines), new HttpMethod(method), path, allow);
        using var stranger = app.ClientWithToken(app.MintToken(Guid.NewGuid(), Guid.NewGuid()));
        await ShouldBeMethodNotAllowedAsync(stranger, new HttpMethod(method), path, allow);
    }

    [Fact]
    public async Task An_anonymous_wrong_method_learns_nothing_about_an_id_and_the_right_method_still_asks_who_it_is()
    {
        var real = await IncidentAsync();
        using var anonymous = app.Anonymous();
        foreach (var id in new[] { real, Guid.NewGuid() })
        {
            await ShouldBeMethodNotAllowedAsync(anonymous, HttpMethod.Get, $"/api/v1/incidents/{id}/acknowledge", "POST");
            using var right = await anonymous.PostJsonAsync($"/api/v1/incidents/{id}/acknowledge", null);
            await right.ReadProblemAsync(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task The_right_method_still_works()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var id = (await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), "Right-method target")).Incident.Id;
        (await maya.AcknowledgeAsync(id)).Status.ShouldBe("Acknowledged");
        (await maya.ListAsync()).Items.ShouldContain(i => i.Id == id);
        using var me = await maya.GetAsync("/api/v1/me", Ct);
        me.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_browser_asking_the_api_with_a_wrong_method_gets_problem_details_too()
    {
        using var anonymous = app.Anonymous();
        await ShouldBeMethodNotAllowedAsync(anonymous, HttpMethod.Get, $"/api/v1/incidents/{Guid.NewGuid()}/acknowledge", "POST",
            accept: "text/html,application/xhtml+xml,*/*;q=0.8");
    }

    [Fact]
    public async Task The_hubs_negotiate_takes_only_post_and_its_connection_endpoint_only_the_transports_methods()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        using var anonymous = app.Anonymous();
        foreach (var client in new[] { maya, anonymous })
        {
            await ShouldBeMethodNotAllowedAsync(client, HttpMethod.Get, "/hubs/status/negotiate?negotiateVersion=1", "POST");
            await ShouldBeMethodNotAllowedAsync(client, HttpMethod.Put, "/hubs/status/negotiate", "POST");
            await ShouldBeMethodNotAllowedAsync(client, HttpMethod.Put, "/hubs/status", "CONNECT, DELETE, GET, POST");
            await ShouldBeMethodNotAllowedAsync(client, HttpMethod.Patch, "/hubs/status?id=x", "CONNECT, DELETE, GET, POST");
        }

        // The right method: a signed-in user negotiates, anyone else is asked who they are.
        using (var negotiated = await maya.PostAsync("/hubs/status/negotiate?negotiateVersion=1", null, Ct))
        {
            negotiated.StatusCode.ShouldBe(HttpStatusCode.OK, await negotiated.Content.ReadAsStringAsync(Ct));
            using var body = JsonDocument.Parse(await negotiated.Content.ReadAsStringAsync(Ct));
            body.RootElement.GetProperty("connectionToken").GetString().ShouldNotBeNullOrWhiteSpace();
        }
        using (var refused = await anonymous.PostAsync("/hubs/status/negotiate?negotiateVersion=1", null, Ct))
        {
            await refused.ReadProblemAsync(HttpStatusCode.Unauthorized);
        }
    }
}

/// <summary>Static-asset reloading turned on (as someone editing CSS might): no "{**path:file}" GET fallback hides a 405 behind a 404.</summary>
public sealed class ReloadingStaticAssetsApp() : PortalApp(DbProvider.Sqlite, null)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("ReloadStaticAssetsAtRuntime", "true");
    }
}

public sealed class MethodNotAllowedWithStaticAssetReloadingTests(ReloadingStaticAssetsApp app) : IClassFixture<ReloadingStaticAssetsApp>
{
    [Fact]
    public async Task A_wrong_method_is_still_405_and_static_files_are_still_served()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        await MethodNotAllowedTests.ShouldBeMethodNotAllowedAsync(maya, HttpMethod.Get, $"/api/v1/incidents/{Guid.NewGuid()}/acknowledge", "POST");
        using var anonymous = app.Anonymous();
        await MethodNotAllowedTests.ShouldBeMethodNotAllowedAsync(anonymous, HttpMethod.Delete, "/api/v1/incidents", "GET");
        using var css = await anonymous.GetAsync("/css/site.css", TestContext.Current.CancellationToken);
        css.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
