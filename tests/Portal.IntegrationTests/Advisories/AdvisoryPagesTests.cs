using System.Text.RegularExpressions;

namespace Portal.IntegrationTests.Advisories;

/// <summary>The MSP pages: inbox, advisory detail (tenants, acknowledge, preview and fan-out forms), the runbook on the remediation page.</summary>
public sealed partial class AdvisoryPagesTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<HttpClient> SignedInAsync(string email) => app.PageClientForAsync(email);

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string url, string handler, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var page = await client.GetStringAsync(url, Ct);
        using var form = new FormUrlEncodedContent([.. fields, new("__RequestVerificationToken", AntiforgeryToken().Match(page).Groups[1].Value)]);
        return await client.PostAsync($"{url}?handler={handler}", form, Ct);
    }

    [Fact]
    public async Task An_engineer_previews_and_fans_out_from_the_page_and_the_tasks_carry_the_runbook()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var advisory = await priya.PublishAsync(app.Demo.Org("Sentinel Shield Security").Id, "Sensor boot loop (pages)",
            [(await priya.ServiceAsync(AdvisoryApi.SensorService)).Id], runbook: "1. Boot to safe mode\n2. <script>alert(1)</script>Delete the file");
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        using var maya = await SignedInAsync(DemoDirectory.Maya);

        var inbox = await maya.GetStringAsync("/advisories", Ct);
        inbox.ShouldContain($"data-advisory=\"{advisory.Id}\" data-tenant=\"{northwind}\"");
        var detail = await maya.GetStringAsync($"/advisories/{advisory.Id}", Ct);
        detail.ShouldContain("data-testid=\"advisory-tenants\"");
        detail.ShouldContain("<li>Boot to safe mode</li>");
        detail.ShouldNotContain("<script>alert(1)");

        using (var preview = await PostFormAsync(maya, $"/advisories/{advisory.Id}", "Preview",
            [new("FanOutTenants", northwind.ToString()), new("Os", "windows 11")]))
        {
            preview.StatusCode.ShouldBe(HttpStatusCode.OK);
            var html = await preview.Content.ReadAsStringAsync(Ct);
            html.ShouldContain($"<strong>1 incident, {await app.MatchingDevicesAsync(northwind, os: "windows 11")} tasks</strong>");
        }
        (await app.LinkedStateAsync(advisory.Id, northwind)).Incidents.ShouldBeEmpty();

        using (var refused = await PostFormAsync(maya, $"/advisories/{advisory.Id}", "FanOut", [new("Tag", "a,b")]))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await refused.Content.ReadAsStringAsync(Ct)).ShouldContain("no commas");
        }

        using (var fanOut = await PostFormAsync(maya, $"/advisories/{advisory.Id}", "FanOut", [new("FanOutTenants", northwind.ToString()), new("Os", "windows 11")]))
            fanOut.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var state = await app.LinkedStateAsync(advisory.Id, northwind);
        var incident = state.Incidents.ShouldHaveSingleItem();
        state.Tasks.Count.ShouldBe(await app.MatchingDevicesAsync(northwind, os: "windows 11"));

        var remediation = await maya.GetStringAsync($"/incidents/{incident.Id}/remediation", Ct);
        remediation.ShouldContain("data-testid=\"advisory-runbook\"");
        remediation.ShouldContain("<li>Boot to safe mode</li>");
        remediation.ShouldNotContain("<script>alert(1)");
    }

    [Fact]
    public async Task After_the_advisory_comes_back_the_page_says_a_closed_incident_gets_a_new_one_and_a_resolved_one_goes_back_to_investigating()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var advisory = await priya.PublishAsync(app.Demo.Org("Sentinel Shield Security").Id, "Sensor boot loop (pages, second wave)",
            [(await priya.ServiceAsync(AdvisoryApi.SensorService)).Id]);
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var fabrikam = app.Demo.TenantId("Fabrikam Health");
        var api = await app.ClientForAsync(DemoDirectory.Maya);
        var first = (await api.FanOutAsync(advisory.Id, new { tenantIds = new[] { northwind, fabrikam } })).Tenants;
        var closed = first.Single(t => t.TenantId == northwind);
        var resolved = first.Single(t => t.TenantId == fabrikam);
        foreach (var incident in first)
        {
            await api.AcknowledgeAsync(incident.IncidentId!.Value);
            await api.ChangeStatusAsync(incident.IncidentId!.Value, "Resolved");
        }
        await api.ChangeStatusAsync(closed.IncidentId!.Value, "Closed");
        await priya.PostUpdateAsync(advisory.Id, "Resolved", "Fixed.");
        await priya.PostUpdateAsync(advisory.Id, "Investigating", "Not fixed everywhere.");
        using var maya = await SignedInAsync(DemoDirectory.Maya);

        var detail = await maya.GetStringAsync($"/advisories/{advisory.Id}", Ct);
        detail.ShouldContain($"({closed.IncidentReference} closed: a new one opens)");
        detail.ShouldContain($"(already {resolved.IncidentReference}, resolved)");

        using var preview = await PostFormAsync(maya, $"/advisories/{advisory.Id}", "Preview",
            [new("FanOutTenants", northwind.ToString()), new("FanOutTenants", fabrikam.ToString())]);
        preview.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await preview.Content.ReadAsStringAsync(Ct);
        html.ShouldContain($"<strong>1 incident, {await app.MatchingDevicesAsync(northwind)} tasks</strong> (every device); 1 back to Investigating</p>");
        html.ShouldContain($"tasks, following {closed.IncidentReference}</li>");
        html.ShouldContain($"{resolved.IncidentReference} was resolved before the advisory reopened: back to Investigating, its tasks as they are</li>");

        using (var fanOut = await PostFormAsync(maya, $"/advisories/{advisory.Id}", "FanOut",
                   [new("FanOutTenants", northwind.ToString()), new("FanOutTenants", fabrikam.ToString())]))
            fanOut.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await app.LinkedStateAsync(advisory.Id, fabrikam)).Incidents.ShouldHaveSingleItem().Status.ShouldBe(Portal.Domain.IncidentStatus.Investigating);
        (await app.LinkedStateAsync(advisory.Id, northwind)).Incidents.Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_customer_reads_the_advisory_without_the_MSP_parts_and_a_foreign_one_is_404()
    {
        var grace = await app.ClientForAsync("grace@nimbuscloud.example");
        var advisory = await grace.PublishAsync(app.Demo.Org("Nimbus Cloud").Id, "Compute restarts (pages)",
            [(await grace.ServiceAsync(AdvisoryApi.ComputeService)).Id], ["westeurope"], "Sev2");
        using var olivia = await SignedInAsync(DemoDirectory.Olivia);
        using (var own = await olivia.GetAsync($"/advisories/{advisory.Id}", Ct))
        {
            own.StatusCode.ShouldBe(HttpStatusCode.OK);
            var html = await own.Content.ReadAsStringAsync(Ct);
            html.ShouldContain("Compute restarts (pages)");
            html.ShouldNotContain("advisory-tenants");
            html.ShouldNotContain("fan-out-form");
        }
        using var hana = await SignedInAsync(DemoDirectory.Hana); // Woodgrove runs in northeurope: not targeted
        using var foreign = await hana.GetAsync($"/advisories/{advisory.Id}", Ct);
        foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await foreign.Content.ReadAsStringAsync(Ct)).ShouldNotContain("Compute restarts (pages)");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    /// <summary>
    /// The provider writes Markdown; on the linked incident it reads as the advisory card reads it: the status JSON carries the
    /// update's safe HTML (<c>textHtml</c>, only on such lines) and the incident page and status card render it, instead of
    /// showing "**Reboot**" and the link's brackets to a customer.
    /// </summary>
    [Fact]
    public async Task A_provider_update_on_a_linked_incident_reads_as_Markdown_rendered_safely()
    {
        var grace = await app.ClientForAsync("grace@nimbuscloud.example");
        var advisory = await grace.PublishAsync(app.Demo.Org("Nimbus Cloud").Id, "Compute hosts restarting (Markdown)", [(await grace.ServiceAsync(AdvisoryApi.ComputeService)).Id], ["westeurope"], "Sev2");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var incident = (await maya.FanOutAsync(advisory.Id, new { tenantIds = new[] { app.Demo.TenantId(DemoDirectory.Northwind) }, deviceFilter = new { tag = "server" } }))
            .Tenants.Single().IncidentId!.Value;
        await grace.PostUpdateAsync(advisory.Id, "Identified", "**Reboot** the hosts. See [the notes](https://example.com/notes) <script>alert(1)</script>");
        await maya.AddNoteAsync(incident, "We are rebooting **now**", "Customer");

        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        using var status = await olivia.GetAsync($"/api/v1/tenants/{app.Demo.TenantId(DemoDirectory.Northwind)}/status", TestContext.Current.CancellationToken);
        using var json = System.Text.Json.JsonDocument.Parse(await status.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var updates = json.RootElement.GetProperty("incidents").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == incident).GetProperty("updates").EnumerateArray().ToList();
        var fromProvider = updates.Single(u => u.GetProperty("text").GetString()!.Contains("Reboot", StringComparison.Ordinal));
        var html = fromProvider.GetProperty("textHtml").GetString()!;
        html.ShouldContain("<strong>Reboot</strong>");
        html.ShouldContain("href=\"https://example.com/notes\"");
        html.ShouldNotContain("<script", Case.Insensitive);
        updates.Single(u => u.GetProperty("text").GetString() == "We are rebooting **now**").TryGetProperty("textHtml", out _)
            .ShouldBeFalse("an MSP's own words are plain text, as written");

        foreach (var (email, path) in new[] { (DemoDirectory.Maya, $"/incidents/{incident}"), (DemoDirectory.Olivia, $"/incidents/{incident}"), (DemoDirectory.Olivia, "/status") })
        {
            var page = await (await app.PageClientForAsync(email)).GetStringAsync(path, TestContext.Current.CancellationToken);
            page.ShouldContain("<strong>Reboot</strong>", Case.Sensitive, $"{email} {path}");
            page.ShouldNotContain("**Reboot**", Case.Sensitive, $"{email} {path}");
            page.ShouldContain("We are rebooting **now**", Case.Sensitive, $"{email} {path}: the MSP's note stays as written");
            // The MSP's incident page names the advisory it came from, with a link; the customer's does not (their status page has its card).
            if (path.StartsWith("/incidents/", StringComparison.Ordinal))
                page.Contains($"href=\"/advisories/{advisory.Id}\"", StringComparison.Ordinal).ShouldBe(email == DemoDirectory.Maya, $"{email}: the linked advisory");
        }
    }
}
