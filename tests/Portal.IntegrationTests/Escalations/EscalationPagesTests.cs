using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Portal.IntegrationTests.Escalations;

/// <summary>The triage queue's countdown and breached badge, and the MSP's Escalations page (engineers read, the lead edits, others: not found).</summary>
public sealed partial class EscalationPagesTests(EscalationSqliteApp app) : IClassFixture<EscalationSqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

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
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return client;
    }

    [Fact]
    public async Task The_triage_queue_counts_down_to_the_due_time_then_shows_breached()
    {
        var title = $"Countdown {Guid.NewGuid():N}";
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), title, "Sev1");
        created.Dispose();
        var page = await SignedInAsync(DemoDirectory.Maya);

        var before = await page.GetStringAsync($"/triage?q={title}", Ct);
        before.ShouldContain("Next due");
        // Opened a moment before the page read the clock: 14 or 15 minutes left, never breached.
        Regex.IsMatch(before, "acknowledge in 1[45] min").ShouldBeTrue(before[Math.Max(0, before.IndexOf("class=\"due\"", StringComparison.Ordinal))..]);
        before.ShouldNotContain("data-breached");

        app.Clock.Advance(TimeSpan.FromMinutes(16));
        var after = await page.GetStringAsync($"/triage?q={title}", Ct);
        after.ShouldContain("data-breached=\"Acknowledge\"");
        Regex.IsMatch(after, "acknowledge (1 min|[0-9]+ s) ago").ShouldBeTrue();
        incident.Reference.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Engineers_read_the_escalations_page_the_lead_edits_and_a_customer_finds_nothing()
    {
        var maya = await SignedInAsync(DemoDirectory.Maya);
        var read = await maya.GetStringAsync("/escalations", Ct);
        read.ShouldContain("On call now");
        read.ShouldContain("Acknowledge Sev1 within minutes");
        read.ShouldNotContain("Save targets");

        var liam = await SignedInAsync(DemoDirectory.Liam);
        var edit = await liam.GetStringAsync("/escalations", Ct);
        edit.ShouldContain("Save targets");
        edit.ShouldContain("Save rotation");

        var olivia = await SignedInAsync(DemoDirectory.Olivia);
        using var response = await olivia.GetAsync("/escalations", Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
