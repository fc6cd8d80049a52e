using System.Text.Json;
using System.Text.RegularExpressions;

namespace Portal.IntegrationTests.Incidents;

/// <summary>
/// The customer summary, rewritten as the picture changes: what the tenant's status page says of the incident. Before, it was
/// written once at opening and could never change. The MSP rewrites or removes it (API and incident page), every version stays
/// on the timeline for the customer, a stale version is refused, and so are customers, other MSPs, a closed incident and bad text.
/// </summary>
public abstract partial class CustomerSummaryTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);

    [GeneratedRegex("""name="__RequestVerificationToken" type="hidden" value="([^"]+)""")]
    private static partial Regex AntiforgeryToken();

    private async Task<string?> StatusSummaryAsync(HttpClient customer, Guid incidentId)
    {
        using var response = await customer.GetAsync($"/api/v1/tenants/{Northwind}/status", Ct);
        using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return status.RootElement.GetProperty("incidents").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == incidentId)
            .GetProperty("summary").GetString();
    }

    [Fact]
    public async Task The_msp_rewrites_and_removes_the_summary_the_customer_reads_each_version_and_stale_or_foreign_changes_are_refused()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, $"Kiosks offline {Guid.NewGuid():N}"[..30], "Sev2", "Check-in kiosks are down at gate B.");
        created.Dispose();
        (await StatusSummaryAsync(olivia, incident.Id)).ShouldBe("Check-in kiosks are down at gate B.");

        const string rewritten = "Gate B kiosks are back.\nGate C still down: use the desks.";
        using (var changed = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/summary", new { customerSummary = rewritten }, ifMatch: $"\"{incident.Version}\""))
        {
            var view = await changed.ReadAsync<IncidentDto>();
            view.CustomerSummary.ShouldBe(rewritten);
            view.Version.ShouldBeGreaterThan(incident.Version);
            changed.Headers.ETag!.Tag.ShouldBe($"\"{view.Version}\"");
        }
        (await StatusSummaryAsync(olivia, incident.Id)).ShouldBe(rewritten, "the status page reads the new summary");
        var seen = (await olivia.TimelineAsync(incident.Id)).Last();
        (seen.Kind, seen.Visibility, seen.Text).ShouldBe(("SummaryChanged", "Customer", "Summary: " + rewritten));

        // The same text again changes nothing and records nothing; a stale version is refused.
        var entries = (await maya.TimelineAsync(incident.Id)).Length;
        using (var same = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/summary", new { customerSummary = rewritten }))
            same.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await maya.TimelineAsync(incident.Id)).Length.ShouldBe(entries);
        using (var stale = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/summary", new { customerSummary = "Old page" }, ifMatch: $"\"{incident.Version}\""))
            (await stale.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("stale_version");

        // Refused: the customer (she reads it, the MSP writes it), another MSP, bad text; nothing of them is kept.
        using (var customer = await olivia.PostJsonAsync($"/api/v1/incidents/{incident.Id}/summary", new { customerSummary = "From Olivia" }))
            await customer.ReadProblemAsync(HttpStatusCode.Forbidden);
        using (var foreign = await (await app.ClientForAsync(DemoDirectory.Ines)).PostJsonAsync($"/api/v1/incidents/{incident.Id}/summary", new { customerSummary = "From Ines" }))
            await foreign.ReadProblemAsync(HttpStatusCode.NotFound);
        foreach (var bad in new[] { "Pasted\u000Bline", new string('s', 2001) })
        {
            using var refused = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/summary", new { customerSummary = bad });
            (await refused.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("customerSummary");
        }
        (await StatusSummaryAsync(olivia, incident.Id)).ShouldBe(rewritten);

        // Empty removes it.
        using (var removed = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/summary", new { customerSummary = "  " }))
            (await removed.ReadAsync<IncidentDto>()).CustomerSummary.ShouldBeNull();
        (await StatusSummaryAsync(olivia, incident.Id)).ShouldBeNull();
        (await olivia.TimelineAsync(incident.Id)).Last().Text.ShouldBe("Summary removed");

        // A closed incident's summary is its final word.
        await maya.AcknowledgeAsync(incident.Id);
        await maya.ChangeStatusAsync(incident.Id, "Resolved");
        await maya.ChangeStatusAsync(incident.Id, "Closed");
        using (var closed = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/summary", new { customerSummary = "After the end" }))
            (await closed.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("incident_closed");
    }

    [Fact]
    public async Task The_engineer_saves_the_summary_from_the_incident_page_and_the_customer_has_no_such_form()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, $"Baggage belts {Guid.NewGuid():N}"[..30], "Sev3", "Belts stop every few minutes.");
        created.Dispose();
        using var page = await app.PageClientForAsync(DemoDirectory.Maya);
        var path = $"/incidents/{incident.Id}";
        var html = await page.GetStringAsync(path, Ct);
        html.ShouldContain("Belts stop every few minutes.</textarea>", Case.Sensitive, "the form starts from the current summary");
        var form = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AntiforgeryToken().Match(html).Groups[1].Value,
            ["Version"] = incident.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CustomerSummary"] = "Belts run again; bags from 10:00 to 10:40 may be late.",
        };
        using (var saved = await page.PostAsync($"{path}?handler=Summary", new FormUrlEncodedContent(form), Ct))
            saved.StatusCode.ShouldBe(HttpStatusCode.Redirect, await saved.Content.ReadAsStringAsync(Ct));
        (await StatusSummaryAsync(await app.ClientForAsync(DemoDirectory.Olivia), incident.Id)).ShouldBe("Belts run again; bags from 10:00 to 10:40 may be late.");

        // The page's stale copy is refused like the other forms.
        using (var stale = await page.PostAsync($"{path}?handler=Summary", new FormUrlEncodedContent(form), Ct))
            stale.StatusCode.ShouldBe(HttpStatusCode.Conflict);

        using var oliviaPage = await app.PageClientForAsync(DemoDirectory.Olivia);
        (await oliviaPage.GetStringAsync(path, Ct)).ShouldNotContain("Save summary");
    }
}

public sealed class CustomerSummaryOnSqlite(SqliteApp app) : CustomerSummaryTests(app), IClassFixture<SqliteApp>;

public sealed class CustomerSummaryOnPostgreSql(PostgresApp app) : CustomerSummaryTests(app), IClassFixture<PostgresApp>;
