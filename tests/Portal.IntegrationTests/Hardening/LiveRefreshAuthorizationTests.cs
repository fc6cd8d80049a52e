using Microsoft.AspNetCore.Mvc.Testing;
using Portal.IntegrationTests.Host;

namespace Portal.IntegrationTests.Hardening;

/// <summary>
/// live.js refetches the page it shows with an X-Portal-Live header. Signed out, that refetch gets a bare 401 (live.js then
/// says the page is no longer live), not the sign-in redirect a browser's navigation gets: in production that redirect goes
/// to Entra, cross-origin, where a fetch fails like a network error and the page went on saying "Live".
/// </summary>
public sealed class LiveRefreshAuthorizationTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, bool live)
    {
        if (live) return await client.LiveRefetchAsync(path);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html");
        return await client.SendAsync(request, Ct);
    }

    [Fact]
    public async Task A_signed_out_live_refresh_gets_401_and_a_page_view_still_goes_to_the_sign_in()
    {
        using var anonymous = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        foreach (var path in new[] { "/triage", $"/status/{app.Demo.TenantId(DemoDirectory.Northwind)}", "/provider/advisories" })
        {
            using var live = await GetAsync(anonymous, path, live: true);
            live.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, path);
            live.Headers.Location.ShouldBeNull(path);

            using var view = await GetAsync(anonymous, path, live: false);
            view.StatusCode.ShouldBe(HttpStatusCode.Redirect, path);
            view.Headers.Location!.ToString().ShouldStartWith("http://localhost/signin", customMessage: path);
        }

        // Signed in, the refetch is the page, as before.
        using var olivia = await app.PageClientForAsync(DemoDirectory.Olivia);
        using var page = await GetAsync(olivia, $"/status/{app.Demo.TenantId(DemoDirectory.Northwind)}", live: true);
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Outside_Development_the_refetch_gets_401_instead_of_the_redirect_to_Entra()
    {
        await using var production = new ProductionApp(new Dictionary<string, string>
        {
            ["AzureAd:Instance"] = "https://login.microsoftonline.com/", ["AzureAd:TenantId"] = "organizations", ["AzureAd:ClientId"] = "test",
        });
        using var client = production.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://portal.example/"), AllowAutoRedirect = false });
        using var live = await GetAsync(client, "/triage", live: true);
        live.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        live.Headers.Location.ShouldBeNull();
    }
}
