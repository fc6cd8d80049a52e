using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// The Hangfire dashboard at /jobs: signed in with the page cookie (the development sign-in form, as a person does),
/// only a PlatformAdmin and an MspLead get in; the anonymous are sent to sign in; customers and engineers get 403.
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
    [InlineData(DemoDirectory.Priya)]    // provider publisher
    public async Task Customers_engineers_and_providers_get_403(string email)
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

    [Fact]
    public async Task An_MspLead_gets_the_dashboard_read_only()
    {
        using var client = await SignedInAsync(DemoDirectory.Liam);
        using var response = await client.GetAsync("/jobs/recurring", Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, html);
        html.ShouldContain("device-import-sweep");
        html.ShouldNotContain("js-jobs-list-command", Case.Sensitive, "read-only: no buttons that act");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
