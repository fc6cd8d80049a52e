using System.Net.Http.Json;
using System.Text.Json;
using Portal.IntegrationTests.Host;

namespace Portal.IntegrationTests.CustomerStatus;

/// <summary>
/// live.js refetches a customer's status page as <c>?part=live</c>: the live region alone, without the layout. After a change every
/// open status page refetches at once, each for another person, and the whole page is rendered per person; the region is the
/// tenant's snapshot, the same markup for everyone who may see the tenant. The region holds nothing of the person who asked (no
/// name, no antiforgery token), is never kept per person, and is refused like the page to anyone the tenant is not theirs.
/// </summary>
public sealed partial class StatusLiveRegionTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Nwa => app.Demo.TenantId(DemoDirectory.Northwind);

    private static async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> GetAsync(HttpClient client, string path)
    {
        var response = await client.LiveRefetchAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct), response);
    }

    [Fact]
    public async Task A_live_refetch_gets_the_region_alone_the_same_for_everyone_who_may_see_the_tenant()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Nwa, "Live region for everyone", "Sev3", "Check-in kiosks are restarting.");
        created.Dispose();

        using var olivia = await app.PageClientForAsync(DemoDirectory.Olivia);
        using var noah = await app.PageClientForAsync(DemoDirectory.Noah);
        using var mayaPage = await app.PageClientForAsync(DemoDirectory.Maya);
        var regions = new List<string>();
        foreach (var (who, client) in new[] { ("Olivia", olivia), ("Noah", noah), ("Maya", mayaPage) })
        {
            var (status, body, response) = await GetAsync(client, $"/status/{Nwa}?part=live");
            using (response)
            {
                status.ShouldBe(HttpStatusCode.OK, who);
                response.Content.Headers.ContentType!.MediaType.ShouldBe("text/html", who);
                response.Headers.Age.ShouldBeNull($"{who}: a region is never served from a copy kept per person");
            }
            body.Trim().ShouldStartWith("<div data-live-region=\"status\" ", customMessage: who);
            body.ShouldContain(incident.Reference, customMessage: who);
            body.ShouldNotContain("<html", customMessage: who);
            body.ShouldNotContain("__RequestVerificationToken", customMessage: who);
            body.ShouldNotContain("Sign out", customMessage: who);
            body.ShouldNotContain("class=\"who\"", customMessage: $"{who}: nothing of the person who asked (the layout names them)");
            regions.Add(body);
        }
        regions.Distinct().Count().ShouldBe(1, "one snapshot, the same markup for every person");

        // The page a person opens carries the very same region, inside the layout and everything that is theirs.
        var (pageStatus, page, pageResponse) = await GetAsync(olivia, $"/status/{Nwa}");
        pageResponse.Dispose();
        pageStatus.ShouldBe(HttpStatusCode.OK);
        page.ShouldContain("Sign out");
        page.ShouldContain(regions[0].Trim());
    }

    [Fact]
    public async Task A_live_refetch_shows_the_change_it_was_told_of()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Nwa, "Live region after a note", "Sev3", "Gate screens are blank.");
        created.Dispose();
        using var olivia = await app.PageClientForAsync(DemoDirectory.Olivia);
        var (_, before, first) = await GetAsync(olivia, $"/status/{Nwa}?part=live");
        first.Dispose();
        before.ShouldContain(incident.Reference);

        const string update = "Gate screens are back at terminal 2.";
        using (var note = await maya.PostAsJsonAsync($"/api/v1/incidents/{incident.Id}/notes", new { text = update, visibility = "Customer" }, Ct))
            note.StatusCode.ShouldBe(HttpStatusCode.Created, await note.Content.ReadAsStringAsync(Ct));
        var sequence = await CustomerSequenceAsync();

        var (status, after, response) = await GetAsync(olivia, $"/status/{Nwa}?part=live&sequence={sequence}");
        response.Dispose();
        status.ShouldBe(HttpStatusCode.OK);
        after.ShouldContain(update);
    }

    [Fact]
    public async Task A_live_refetch_of_a_tenant_that_is_not_yours_or_does_not_exist_is_404_like_the_page()
    {
        using var olivia = await app.PageClientForAsync(DemoDirectory.Olivia);
        var (own, region, ownResponse) = await GetAsync(olivia, $"/status/{Nwa}?part=live"); // the tenant's snapshot and region are built
        ownResponse.Dispose();
        own.ShouldBe(HttpStatusCode.OK);
        var aReference = ReferencePattern().Match(region).Value;
        aReference.ShouldNotBeNullOrEmpty();

        using var hana = await app.PageClientForAsync(DemoDirectory.Hana);
        foreach (var tenant in new[] { Nwa, Guid.NewGuid() })
        {
            var (status, body, response) = await GetAsync(hana, $"/status/{tenant}?part=live");
            response.Dispose();
            status.ShouldBe(HttpStatusCode.NotFound, tenant.ToString());
            body.ShouldNotContain("data-live-region=\"status\"");
            body.ShouldNotContain(aReference);
        }
    }

    /// <summary>The last number on the tenant's customer stream, as a live page would have it from the note's event.</summary>
    private async Task<long> CustomerSequenceAsync()
    {
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        var status = await olivia.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{Nwa}/status", Ct);
        return status.GetProperty("sequence").GetInt64();
    }

    [System.Text.RegularExpressions.GeneratedRegex("NWA-[0-9]+")]
    private static partial System.Text.RegularExpressions.Regex ReferencePattern();
}
