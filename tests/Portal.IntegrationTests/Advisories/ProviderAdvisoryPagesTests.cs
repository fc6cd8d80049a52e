using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Portal.IntegrationTests.Advisories;

/// <summary>
/// The provider's pages: list, editor (with its server-rendered Markdown preview) and impact dashboard. A publisher gets forms,
/// a viewer reads without forms, customers and MSP people are refused. Forms post with the page cookie and antiforgery, as a person does.
/// </summary>
public sealed partial class ProviderAdvisoryPagesTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Sentinel => app.Demo.Org("Sentinel Shield Security").Id;

    private async Task<HttpClient> SignedInAsync(string email)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var page = await client.GetStringAsync("/signin", Ct);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userId"] = app.Demo.User(email).Id.ToString(),
            ["__RequestVerificationToken"] = AntiforgeryToken().Match(page).Groups[1].Value,
        });
        using var response = await client.PostAsync("/signin", form, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, $"signing in as {email}");
        return client;
    }

    private Task<AdvisoryDto> PublishAsync(string title) => app.OnceAsync(title, async () =>
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var sensor = await priya.ServiceAsync(AdvisoryApi.SensorService);
        return await priya.PublishAsync(Sentinel, title, [sensor.Id]);
    });

    private static async Task<string> HtmlAsync(HttpClient client, string url, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await client.GetAsync(url, Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(expected, $"{url}: {html}");
        return html;
    }

    [Fact]
    public async Task A_publisher_gets_the_list_the_editor_and_the_dashboard_with_their_forms()
    {
        var advisory = await PublishAsync("Pages: sensor boot loop");
        await app.LinkIncidentAsync(advisory.Id, app.Demo.TenantId(DemoDirectory.Northwind), total: 12, done: 4);
        using var priya = await SignedInAsync(DemoDirectory.Priya);

        (await HtmlAsync(priya, "/provider")).ShouldContain("href=\"/provider/advisories\"");
        var list = await HtmlAsync(priya, "/provider/advisories");
        list.ShouldContain($"href=\"/provider/advisories/{advisory.Id}\"");
        list.ShouldContain("href=\"/provider/advisories/new\"");
        list.ShouldContain($"/feeds/providers/{Sentinel}/advisories.atom");

        var dashboard = await HtmlAsync(priya, $"/provider/advisories/{advisory.Id}");
        dashboard.ShouldContain("data-testid=\"update-form\"");
        dashboard.ShouldContain("data-burndown");
        dashboard.ShouldContain("data-testid=\"devices\"");
        Regex.Replace(dashboard, "<[^>]+>", " ").ShouldContain("4 of 12");
        foreach (var org in app.Demo.Organisations.Where(o => o.Kind is Portal.Domain.OrganisationKind.Customer or Portal.Domain.OrganisationKind.Msp))
            dashboard.ShouldNotContain(org.Name, Case.Insensitive, "the dashboard names no tenant or MSP");

        (await HtmlAsync(priya, "/provider/advisories/new")).ShouldContain("data-testid=\"advisory-form\"");
        var edit = await HtmlAsync(priya, $"/provider/advisories/{advisory.Id}/edit");
        edit.ShouldContain("value=\"Pages: sensor boot loop\"");
    }

    [Fact]
    public async Task The_preview_renders_the_runbook_safely_and_publishing_from_the_form_works()
    {
        using var priya = await SignedInAsync(DemoDirectory.Priya);
        var page = await HtmlAsync(priya, "/provider/advisories/new");
        var token = AntiforgeryToken().Match(page).Groups[1].Value;
        var sensor = await (await app.ClientForAsync(DemoDirectory.Priya)).ServiceAsync(AdvisoryApi.SensorService);
        Dictionary<string, string> Form(string title) => new()
        {
            ["__RequestVerificationToken"] = token, ["Title"] = title, ["Severity"] = "Sev2", ["Status"] = "Investigating",
            ["Impact"] = "Hosts restart.", ["ServiceIds"] = sensor.Id.ToString(), ["Regions"] = "",
            ["Runbook"] = "1. **Boot** to safe mode\n<script>alert(1)</script>\n[x](javascript:alert(1))",
        };

        using (var preview = await priya.PostAsync("/provider/advisories/new?handler=Preview", new FormUrlEncodedContent(Form("Preview only")), Ct))
        {
            var html = await preview.Content.ReadAsStringAsync(Ct);
            preview.StatusCode.ShouldBe(HttpStatusCode.OK, html);
            var shown = Regex.Match(html, "data-testid=\"runbook-preview\">(.*?)</section>", RegexOptions.Singleline).Groups[1].Value;
            shown.ShouldContain("<strong>Boot</strong>");
            shown.ShouldNotContain("<script", Case.Insensitive);
            shown.ShouldNotContain("href=\"javascript", Case.Insensitive);
            html.ShouldContain("value=\"Preview only\"", Case.Sensitive, "what was typed stays in the form");
        }
        (await app.QueryAsync(db => Task.FromResult(db.Advisories.Any(a => a.Title == "Preview only")))).ShouldBeFalse("a preview saves nothing");

        // A refusal comes back beside the field, with what was typed kept.
        using (var invalid = await priya.PostAsync("/provider/advisories/new", new FormUrlEncodedContent(Form("")), Ct))
        {
            var html = await invalid.Content.ReadAsStringAsync(Ct);
            invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest, html);
            html.ShouldContain("class=\"field-error\">A title is required.");
        }

        using var published = await priya.PostAsync("/provider/advisories/new", new FormUrlEncodedContent(Form("Published from the page")), Ct);
        published.StatusCode.ShouldBe(HttpStatusCode.Redirect, await published.Content.ReadAsStringAsync(Ct));
        var location = published.Headers.Location!.OriginalString;
        location.ShouldStartWith("/provider/advisories/");
        var shownAfter = await HtmlAsync(priya, location);
        shownAfter.ShouldContain("Published from the page");
        var reached = (await app.SubscribersAsync(sensor.Id)).Count;
        reached.ShouldBeGreaterThan(1);
        shownAfter.ShouldContain($"It reaches {reached:N0} tenants.", Case.Sensitive, "the publisher is told at once how far it went");

        // A region typed wrong matches no subscription: published, and said plainly, instead of going out to nobody in silence.
        var typo = Form("Published to a typo");
        typo["Regions"] = "westeurpoe";
        using var toNobody = await priya.PostAsync("/provider/advisories/new", new FormUrlEncodedContent(typo), Ct);
        toNobody.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await HtmlAsync(priya, toNobody.Headers.Location!.OriginalString))
            .ShouldContain("No customer subscribes to these services in westeurpoe: check the spelling.");
    }

    /// <summary>
    /// Two publishers edit one advisory: the second to save is told, sees the revision saved meanwhile in the form (as the banner
    /// says), and keeps what they typed beside it. Before, the form kept their old values with the new version, and saving again
    /// overwrote the other's title without a word.
    /// </summary>
    [Fact]
    public async Task The_second_editor_to_save_sees_the_other_revision_and_keeps_their_own_edits_beside_it()
    {
        var advisory = await PublishAsync("Pages: editors at once");
        using var priya = await SignedInAsync(DemoDirectory.Priya);
        var page = await HtmlAsync(priya, $"/provider/advisories/{advisory.Id}/edit");
        var token = AntiforgeryToken().Match(page).Groups[1].Value;
        var version = Regex.Match(page, "name=\"Version\" value=\"(\\d+)\"").Groups[1].Value;
        var sensor = await (await app.ClientForAsync(DemoDirectory.Priya)).ServiceAsync(AdvisoryApi.SensorService);

        // Someone else saves a new title first.
        var other = await app.ClientForAsync(DemoDirectory.Priya);
        using (var saved = await other.PutAsync($"/api/v1/advisories/{advisory.Id}", JsonContent.Create(new
        {
            title = "Pages: renamed by Tom", severity = advisory.Severity, impact = advisory.Impact, serviceIds = new[] { sensor.Id },
        }), Ct))
        {
            saved.StatusCode.ShouldBe(HttpStatusCode.OK, await saved.Content.ReadAsStringAsync(Ct));
        }

        // This editor changed only the impact, on the version the page was opened at.
        var form = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["Version"] = version, ["Title"] = advisory.Title, ["Severity"] = advisory.Severity,
            ["Impact"] = "Hosts restart every few minutes.", ["ServiceIds"] = sensor.Id.ToString(), ["Regions"] = "", ["Runbook"] = "",
        };
        using var conflict = await priya.PostAsync($"/provider/advisories/{advisory.Id}/edit", new FormUrlEncodedContent(form), Ct);
        var html = await conflict.Content.ReadAsStringAsync(Ct);
        conflict.StatusCode.ShouldBe(HttpStatusCode.Conflict, html);
        html.ShouldContain("Changed by someone else, reloaded");
        html.ShouldContain("value=\"Pages: renamed by Tom\"", Case.Sensitive, "the form shows the revision saved meanwhile");
        var mine = Regex.Match(html, "data-testid=\"unsaved-edits\"(.*?)</section>", RegexOptions.Singleline).Groups[1].Value;
        mine.ShouldContain("Hosts restart every few minutes.", Case.Sensitive, "what this editor typed is still on the page");
        mine.ShouldContain("Pages: editors at once", Case.Sensitive, "and their title, which differs from the one now saved");

        // Saving the form as it now stands keeps the other's title.
        form["Version"] = Regex.Match(html, "name=\"Version\" value=\"(\\d+)\"").Groups[1].Value;
        form["Title"] = Regex.Match(html, "id=\"adv-title\" name=\"Title\" value=\"([^\"]*)\"").Groups[1].Value;
        using var again = await priya.PostAsync($"/provider/advisories/{advisory.Id}/edit", new FormUrlEncodedContent(form), Ct);
        again.StatusCode.ShouldBe(HttpStatusCode.Redirect, await again.Content.ReadAsStringAsync(Ct));
        var stored = await (await app.ClientForAsync(DemoDirectory.Priya)).GetAsync($"/api/v1/advisories/{advisory.Id}", Ct);
        var now = await stored.ReadAsync<AdvisoryDto>();
        (now.Title, now.Impact).ShouldBe(("Pages: renamed by Tom", "Hosts restart every few minutes."));
    }

    [Fact]
    public async Task A_viewer_reads_without_forms_and_may_not_open_the_editor()
    {
        var advisory = await PublishAsync("Pages: viewer");
        using var tom = await SignedInAsync("tom@sentinelshield.example");
        var list = await HtmlAsync(tom, "/provider/advisories");
        list.ShouldContain($"/provider/advisories/{advisory.Id}");
        list.ShouldNotContain("href=\"/provider/advisories/new\"");
        var dashboard = await HtmlAsync(tom, $"/provider/advisories/{advisory.Id}");
        dashboard.ShouldNotContain("<form method=\"post\" action=\"/provider");
        dashboard.ShouldNotContain("update-form");
        dashboard.ShouldNotContain("edit-link");
        await HtmlAsync(tom, "/provider/advisories/new", HttpStatusCode.Forbidden);
        await HtmlAsync(tom, $"/provider/advisories/{advisory.Id}/edit", HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData(DemoDirectory.Olivia)]
    [InlineData(DemoDirectory.Maya)]
    [InlineData("grace@nimbuscloud.example")]
    public async Task Customers_msps_and_other_providers_are_refused(string email)
    {
        var advisory = await PublishAsync("Pages: refused");
        using var client = await SignedInAsync(email);
        var other = email.StartsWith("grace", StringComparison.Ordinal);
        // Another provider has pages of its own; it just cannot open this advisory (not there).
        await HtmlAsync(client, "/provider/advisories", other ? HttpStatusCode.OK : HttpStatusCode.Forbidden);
        var dashboard = await HtmlAsync(client, $"/provider/advisories/{advisory.Id}", other ? HttpStatusCode.NotFound : HttpStatusCode.Forbidden);
        dashboard.ShouldNotContain("data-testid=\"impact\"");
        await HtmlAsync(client, $"/provider/advisories/{advisory.Id}/edit", other ? HttpStatusCode.NotFound : HttpStatusCode.Forbidden);
        await HtmlAsync(client, "/provider/advisories/new", other ? HttpStatusCode.OK : HttpStatusCode.Forbidden);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
