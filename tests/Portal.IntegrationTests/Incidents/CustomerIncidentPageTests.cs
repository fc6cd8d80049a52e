using Portal.IntegrationTests.Host;

namespace Portal.IntegrationTests.Incidents;

/// <summary>
/// A customer's incident page is built from the view all the tenant's customers share (<c>CustomerIncidentCache</c>): in an outage
/// they keep the incident the status page links to open, and every page refetches after each change. The shared view holds only
/// what customers may read; every change of the incident, an internal one too, drops it; and who may read it is checked for each
/// request, so a warm view never reaches anyone else.
/// </summary>
public sealed class CustomerIncidentPageTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Nwa => app.Demo.TenantId(DemoDirectory.Northwind);

    private static async Task<(HttpStatusCode Status, string Body)> PageAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Customers_see_the_shared_view_with_every_change_and_never_an_internal_note()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Nwa, "Shared view of boarding passes", "Sev2", "Boarding passes do not print.");
        created.Dispose();
        await maya.AddNoteAsync(incident.Id, "Internal: the print server's driver update is the suspect.", "Internal");
        await maya.AddNoteAsync(incident.Id, "We are rolling back the printer driver.", "Customer");

        using var olivia = await app.PageClientForAsync(DemoDirectory.Olivia);
        using var noah = await app.PageClientForAsync(DemoDirectory.Noah);
        var path = $"/incidents/{incident.Id}";
        foreach (var (who, client) in new[] { ("Olivia", olivia), ("Noah", noah) })
        {
            var (status, body) = await PageAsync(client, path);
            status.ShouldBe(HttpStatusCode.OK, who);
            body.ShouldContain("We are rolling back the printer driver.", customMessage: who);
            body.ShouldNotContain("print server's driver update", customMessage: $"{who}: an internal note never reaches a customer");
            body.ShouldContain("Unassigned", customMessage: who);
        }

        // A customer-visible update, and an internal change that still changes what customers read (who is on it): both show at once.
        await maya.AddNoteAsync(incident.Id, "Printers at gates 1-12 print again.", "Customer");
        var sam = app.Demo.User(DemoDirectory.Sam);
        using (var assigned = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/assign", new { assigneeId = sam.Id }))
            assigned.StatusCode.ShouldBe(HttpStatusCode.OK);
        await maya.AddNoteAsync(incident.Id, "Internal: Sam is on site.", "Internal");
        var (_, after) = await PageAsync(noah, path);
        after.ShouldContain("Printers at gates 1-12 print again.");
        // A live page that says it saw a later event than exists (a made-up number) still gets the page.
        var (madeUp, stillThere) = await PageAsync(noah, $"{path}?sequence=999999");
        madeUp.ShouldBe(HttpStatusCode.OK);
        stillThere.ShouldContain("Printers at gates 1-12 print again.");
        after.ShouldContain("Sam Okafor");
        after.ShouldNotContain("Sam is on site");
    }

    [Fact]
    public async Task A_warm_shared_view_is_404_to_another_tenants_customer_as_a_missing_incident_is()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Nwa, "Crew scheduling frozen", "Sev1", "Crew schedules do not load.");
        created.Dispose();
        using var olivia = await app.PageClientForAsync(DemoDirectory.Olivia);
        var (own, _) = await PageAsync(olivia, $"/incidents/{incident.Id}"); // the shared view is built
        own.ShouldBe(HttpStatusCode.OK);

        using var hana = await app.PageClientForAsync(DemoDirectory.Hana);
        foreach (var id in new[] { incident.Id, Guid.NewGuid() })
        {
            foreach (var query in new[] { "", "?sequence=1", "?sequence=999999" })
            {
                var (status, body) = await PageAsync(hana, $"/incidents/{id}{query}");
                status.ShouldBe(HttpStatusCode.NotFound, $"{id}{query}");
                body.ShouldNotContain("Crew scheduling frozen");
                body.ShouldNotContain(incident.Reference);
            }
        }

        // The incident's tenant is now known in memory, and the access check of every read about it asks the user's access to that
        // tenant instead of reading the incident: another tenant's customer and another MSP's engineer still get 404, on every read.
        foreach (var email in new[] { DemoDirectory.Hana, DemoDirectory.Ines })
        {
            var outsider = await app.ClientForAsync(email);
            foreach (var path in new[] { $"/api/v1/incidents/{incident.Id}", $"/api/v1/incidents/{incident.Id}/timeline", $"/api/v1/incidents/{incident.Id}/progress" })
            {
                using var response = await outsider.GetAsync(path, Ct);
                var body = await response.Content.ReadAsStringAsync(Ct);
                response.StatusCode.ShouldBe(HttpStatusCode.NotFound, $"{email} {path}: {body}");
                body.ShouldNotContain("Crew scheduling frozen");
            }
            using var note = await outsider.PostJsonAsync($"/api/v1/incidents/{incident.Id}/notes", new { text = "Not yours.", visibility = "Customer" });
            note.StatusCode.ShouldBe(HttpStatusCode.NotFound, email);
        }
        // And the tenant's own people still read it.
        using (var own2 = await (await app.ClientForAsync(DemoDirectory.Noah)).GetAsync($"/api/v1/incidents/{incident.Id}", Ct))
            own2.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_live_refetch_of_a_customers_incident_page_gets_its_regions_alone()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Nwa, "Baggage tags misprint", "Sev3", "Bag tags print blank.");
        created.Dispose();
        await maya.AddNoteAsync(incident.Id, "New tag stock is on its way.", "Customer");

        using var olivia = await app.PageClientForAsync(DemoDirectory.Olivia);
        using var response = await olivia.LiveRefetchAsync($"/incidents/{incident.Id}?part=live");
        var body = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        foreach (var region in new[] { "head", "facts", "timeline" }) body.ShouldContain($"data-live-region=\"{region}\"");
        body.ShouldContain("New tag stock is on its way.");
        var hers = await (await app.ClientForAsync(DemoDirectory.Olivia)).GetIncidentAsync(incident.Id);
        body.ShouldContain($"value=\"{hers.Version}\" data-live-version", customMessage: "the version on screen (hers: the customer's), for the forms the person kept");
        body.ShouldNotContain("<html");
        body.ShouldNotContain("class=\"who\"", customMessage: "nothing of the person: the layout names them");
        body.ShouldNotContain("__RequestVerificationToken", customMessage: "no form is rendered for the person");

        var (_, whole) = await PageAsync(olivia, $"/incidents/{incident.Id}");
        whole.ShouldContain("<html");
        whole.ShouldContain("Add a comment for your service provider");
    }

    [Fact]
    public async Task An_internal_note_moves_nothing_a_customer_reads_neither_the_update_time_nor_the_version()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Nwa, "Crew app login loop", "Sev3", "Crew cannot sign in.");
        created.Dispose();
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        var before = await olivia.GetIncidentAsync(incident.Id);
        using var page = await app.PageClientForAsync(DemoDirectory.Olivia);
        var (_, pageBefore) = await PageAsync(page, $"/incidents/{incident.Id}");
        await Task.Delay(20, Ct); // a later clock reading, so a moved time would show

        await maya.AddNoteAsync(incident.Id, "Internal: the IdP cert rotated at 02:00.", "Internal");

        var after = await olivia.GetIncidentAsync(incident.Id);
        (after.UpdatedAt, after.Version).ShouldBe((before.UpdatedAt, before.Version), "nothing says a note was written");
        using (var get = await olivia.GetAsync($"/api/v1/incidents/{incident.Id}", Ct))
            get.Headers.ETag!.Tag.ShouldBe($"\"{before.Version}\"");
        var (_, pageAfter) = await PageAsync(page, $"/incidents/{incident.Id}");
        static string LastUpdate(string html) => System.Text.RegularExpressions.Regex.Match(html, "Last update</dt><dd><time datetime=\"([^\"]+)\"").Groups[1].Value;
        LastUpdate(pageBefore).ShouldNotBeEmpty();
        LastUpdate(pageAfter).ShouldBe(LastUpdate(pageBefore), "the page's last update too");
        (await maya.GetIncidentAsync(incident.Id)).Version.ShouldNotBe(incident.Version, "the MSP's version, for If-Match, does move");

        // A customer-visible update moves both.
        await maya.AddNoteAsync(incident.Id, "Sign-in works again for most crews.", "Customer");
        var visible = await olivia.GetIncidentAsync(incident.Id);
        visible.UpdatedAt.ShouldBeGreaterThan(before.UpdatedAt);
        visible.Version.ShouldBe(before.Version + 1);
    }

    [Fact]
    public async Task An_msp_engineer_still_reads_the_whole_incident_with_its_internal_notes()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Nwa, "Lounge wifi down", "Sev3", "Wifi in the lounges is down.");
        created.Dispose();
        await maya.AddNoteAsync(incident.Id, "Internal: controller needs a reboot.", "Internal");
        using var olivia = await app.PageClientForAsync(DemoDirectory.Olivia);
        (await PageAsync(olivia, $"/incidents/{incident.Id}")).Body.ShouldNotContain("controller needs a reboot"); // the shared view is warm

        using var mayaPage = await app.PageClientForAsync(DemoDirectory.Maya);
        var (status, body) = await PageAsync(mayaPage, $"/incidents/{incident.Id}");
        status.ShouldBe(HttpStatusCode.OK);
        body.ShouldContain("controller needs a reboot");
    }
}
