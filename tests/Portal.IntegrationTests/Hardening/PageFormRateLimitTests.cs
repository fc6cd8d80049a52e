using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;

namespace Portal.IntegrationTests.Hardening;

/// <summary>
/// <see cref="RateLimitedApp"/>'s limits on the in-memory server, whose client does not follow redirects (a form post's answer
/// is seen as sent); its own budgets: the API tests spend their organisations'.
/// </summary>
public sealed class RateLimitedPagesApp() : PortalApp(DbProvider.Sqlite, null)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        RateLimitedApp.UseSmallLimits(builder);
    }
}

/// <summary>
/// The pages' forms run the same commands as the API, so they draw on the same budgets: a signed-in user's form posts on their
/// user and organisation budgets (page views do not count), and the remediation page's upload and bulk state change on the
/// same tighter per-user budgets as the API routes.
/// </summary>
public sealed partial class PageFormRateLimitTests(RateLimitedPagesApp app) : IClassFixture<RateLimitedPagesApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient ApiClientOf(string email)
    {
        var user = app.Demo.User(email);
        return app.ClientWithToken(app.MintToken(user.Tid, user.Oid, user.Name));
    }

    [Fact]
    public async Task A_users_form_posts_draw_on_their_budget_and_page_views_do_not()
    {
        using var api = ApiClientOf(DemoDirectory.Maya);
        var (incident, created) = await api.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), "Form posts are counted");
        created.Dispose(); // one of Maya's requests

        using var maya = await app.PageClientForAsync(DemoDirectory.Maya);
        maya.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        for (var i = 0; i < RateLimitedApp.PerUser + 2; i++)
        {
            using var view = await maya.GetAsync("/triage", Ct);
            view.StatusCode.ShouldBe(HttpStatusCode.OK, $"page view {i + 1}: views are not counted");
        }

        var token = FormToken(await maya.GetStringAsync($"/incidents/{incident.Id}", Ct));
        var served = 0;
        HttpResponseMessage? refused = null;
        while (refused is null && served <= RateLimitedApp.PerUser)
        {
            using var form = new FormUrlEncodedContent([new("NoteText", $"Form post {served + 1}"), new("NoteVisibility", "Internal"), new("__RequestVerificationToken", token)]);
            var response = await maya.PostAsync($"/incidents/{incident.Id}?handler=Note", form, Ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else
            {
                response.StatusCode.ShouldBe(HttpStatusCode.Redirect, $"note {served + 1}: {await response.Content.ReadAsStringAsync(Ct)}");
                response.Dispose();
                served++;
            }
        }
        served.ShouldBe(RateLimitedApp.PerUser - 1, "the API call and the form posts share one budget");
        using (refused.ShouldNotBeNull())
            await ShouldBeTheRateLimitPageAsync(refused);

        // Only the notes that were served are on the incident.
        var timeline = await ApiClientOf(DemoDirectory.Liam).TimelineAsync(incident.Id);
        timeline.Count(e => e.Text.StartsWith("Form post ", StringComparison.Ordinal)).ShouldBe(served);
    }

    [Fact]
    public async Task The_remediation_pages_upload_and_bulk_change_share_the_tighter_budgets_of_the_API()
    {
        using var api = ApiClientOf(DemoDirectory.Ines);
        var (incident, created) = await api.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Woodgrove), "Tighter budgets on the page");
        created.Dispose();
        // The upload budget (one) spent through the API.
        using (var upload = await api.SendRawAsync(HttpMethod.Post, $"/api/v1/incidents/{incident.Id}/device-imports", "hostname\nWGB-1\n", "text/csv"))
            upload.StatusCode.ShouldNotBe(HttpStatusCode.TooManyRequests);

        using var ines = await app.PageClientForAsync(DemoDirectory.Ines);
        var page = $"/incidents/{incident.Id}/remediation";
        var token = FormToken(await ines.GetStringAsync(page, Ct));

        // The page's script sends the file as the body and asks for JSON: the problem it shows beside the field.
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"{page}?handler=Import&fileName=devices.csv"))
        {
            request.Content = new StringContent("hostname\nWGB-2\n", System.Text.Encoding.UTF8, "text/csv");
            request.Headers.Add("RequestVerificationToken", token);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var refused = await ines.SendAsync(request, Ct);
            var problem = await refused.ReadProblemAsync(HttpStatusCode.TooManyRequests);
            problem.Code.ShouldBe("rate_limited");
            refused.Headers.RetryAfter.ShouldNotBeNull().Delta.ShouldNotBeNull().TotalSeconds.ShouldBeGreaterThanOrEqualTo(1);
        }

        // Bulk changes: one is served, the next refused with the status page; other forms of the page are not on that budget.
        ines.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        FormUrlEncodedContent SetState() => new([new("Selected", Guid.NewGuid().ToString()), new("NewState", "Done"), new("__RequestVerificationToken", token)]);
        using (var first = await ines.PostAsync($"{page}?handler=SetState", SetState(), Ct))
            first.StatusCode.ShouldBe(HttpStatusCode.Redirect, await first.Content.ReadAsStringAsync(Ct));
        using (var second = await ines.PostAsync($"{page}?handler=SetState", SetState(), Ct))
            await ShouldBeTheRateLimitPageAsync(second);
        using (var view = await ines.GetAsync(page, Ct))
            view.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static async Task ShouldBeTheRateLimitPageAsync(HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests, html);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("text/html");
        html.ShouldContain("Too many requests");
        html.ShouldContain("<nav", customMessage: "the status page is in the layout");
        var retryAfter = response.Headers.RetryAfter.ShouldNotBeNull("a 429 says when to come back").Delta.ShouldNotBeNull();
        html.ShouldContain($"what you sent was not saved. Wait {retryAfter.TotalSeconds:0} s, go back", customMessage: "a refused form says it was not saved, and when to send it again");
    }

    private static string FormToken(string html)
    {
        var token = AntiforgeryToken().Match(html).Groups[1].Value;
        token.ShouldNotBeNullOrEmpty();
        return token;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
