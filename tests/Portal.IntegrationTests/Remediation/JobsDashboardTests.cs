using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// The Hangfire dashboard at /jobs: signed in with the page cookie (the development sign-in form, as a person does),
/// only a PlatformAdmin gets in; the anonymous are sent to sign in; everyone else gets 403, an MSP's lead too: the dashboard
/// shows every organisation's jobs.
/// </summary>
public sealed partial class JobsDashboardTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpClient> SignedInAsync(string email)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var page = await client.GetStringAsync("/signin", Ct);
        var token = AntiforgeryToken().Match(page).Groups[1].Value;
        token.ShouldNotBeNullOrEmpty("the sign-in form carries an antiforgery token");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userId"] = app.Demo.User(email).Id.ToString(),
            ["__RequestVerificationToken"] = token,
        });
        using var response = await client.PostAsync("/signin", form, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, $"signing in as {email}");
        return client;
    }

    [Fact]
    public async Task The_anonymous_are_sent_to_sign_in()
    {
        using var client = app.Anonymous();
        using var response = await client.GetAsync("/jobs", Ct);
        ((int)response.StatusCode).ShouldBeOneOf(302, 401);
        if (response.StatusCode == HttpStatusCode.Redirect) response.Headers.Location!.AbsolutePath.ShouldBe("/signin");
        (await response.Content.ReadAsStringAsync(Ct)).ShouldNotContain("Hangfire");
        using var stats = await client.GetAsync("/jobs/stats", Ct);
        ((int)stats.StatusCode).ShouldBeOneOf(302, 401);
    }

    [Theory]
    [InlineData(DemoDirectory.Olivia)]   // customer admin
    [InlineData(DemoDirectory.Noah)]     // customer viewer
    [InlineData(DemoDirectory.Maya)]     // MSP engineer
    [InlineData(DemoDirectory.Liam)]     // MSP lead: once read-only, but the dashboard shows the other MSPs' jobs
    [InlineData(DemoDirectory.Priya)]    // provider publisher
    public async Task Everyone_but_a_PlatformAdmin_gets_403(string email)
    {
        using var client = await SignedInAsync(email);
        using var response = await client.GetAsync("/jobs", Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldNotContain("device-import-sweep");
        using var recurring = await client.GetAsync("/jobs/recurring", Ct);
        recurring.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_PlatformAdmin_gets_the_dashboard_with_its_commands()
    {
        using var client = await SignedInAsync(DemoDirectory.Ada);
        using var response = await client.GetAsync("/jobs/recurring", Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, html);
        html.ShouldContain("device-import-sweep");
        html.ShouldContain("js-jobs-list-command", Case.Sensitive, "the trigger/delete buttons are there for an admin");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
