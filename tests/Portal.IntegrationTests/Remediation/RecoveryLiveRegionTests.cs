using Portal.IntegrationTests.Host;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// live.js refetches a customer's recovery page as <c>?part=live</c>, as it does the status page: the live region alone (the
/// tenant's counts and burn-down), without the layout. While devices come back a crowd of the tenant's customers keeps the page
/// open, and each change made every one of them refetch the whole page, rendered for them. The region is the same markup for
/// everyone who may see the tenant, holds nothing of the person who asked, shows each change, and is refused like the page.
/// </summary>
public sealed class RecoveryLiveRegionTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Nwa => app.Demo.TenantId(DemoDirectory.Northwind);

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.LiveRefetchAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_live_refetch_gets_the_region_alone_the_same_for_everyone_who_may_see_the_tenant()
    {
        using var olivia = await app.PageClientForAsync(DemoDirectory.Olivia);
        using var noah = await app.PageClientForAsync(DemoDirectory.Noah);
        using var maya = await app.PageClientForAsync(DemoDirectory.Maya);
        var regions = new List<string>();
        foreach (var (who, client) in new[] { ("Olivia", olivia), ("Noah", noah), ("Maya", maya) })
        {
            var (status, body) = await GetAsync(client, $"/status/{Nwa}/recovery?part=live");
            status.ShouldBe(HttpStatusCode.OK, who);
            body.Trim().ShouldStartWith("<section class=\"panel\" aria-labelledby=\"recovery-h\" data-live-region=\"recovery\">", customMessage: who);
            body.ShouldContain("data-burndown", customMessage: who);
            body.ShouldNotContain("<html", customMessage: who);
            body.ShouldNotContain("__RequestVerificationToken", customMessage: who);
            body.ShouldNotContain("Sign out", customMessage: who);
            body.ShouldNotContain("class=\"who\"", customMessage: $"{who}: nothing of the person who asked (the layout names them)");
            regions.Add(WithoutNonce(body));
        }
        regions.Distinct().Count().ShouldBe(1, "the tenant's counts and burn-down, the same markup for every person (but the response's own script nonce)");

        var (pageStatus, page) = await GetAsync(olivia, $"/status/{Nwa}/recovery");
        pageStatus.ShouldBe(HttpStatusCode.OK);
        page.ShouldContain("Sign out");
        WithoutNonce(page).ShouldContain(regions[0].Trim(), customMessage: "the page a person opens carries the very same region");
    }

    [Fact]
    public async Task A_live_refetch_shows_the_task_change_it_was_told_of()
    {
        var mayaApi = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await mayaApi.CreateIncidentAsync(Nwa, "Recovery region after a task", "Sev2");
        created.Dispose();
        var device = (await app.DevicesOfAsync(Nwa)).First(d => d.ExternalId!.StartsWith("rmm-", StringComparison.Ordinal));
        var task = await mayaApi.AddTaskAsync(incident.Id, device.Id);
        using var olivia = await app.PageClientForAsync(DemoDirectory.Olivia);
        var (_, before) = await GetAsync(olivia, $"/status/{Nwa}/recovery?part=live");
        var restoredBefore = Restored(before);

        await mayaApi.SetStateAsync(task.Id, "Done");

        var (status, after) = await GetAsync(olivia, $"/status/{Nwa}/recovery?part=live");
        status.ShouldBe(HttpStatusCode.OK);
        Restored(after).ShouldBe((restoredBefore.Done + 1, restoredBefore.Total), "the device restored shows in the very next refetch");
    }

    /// <summary>A device blocked (waiting for a BitLocker key) or failed is stuck here as on the status page and the incident's.</summary>
    [Fact]
    public async Task A_device_blocked_or_failed_counts_as_stuck_on_the_recovery_page()
    {
        var mayaApi = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await mayaApi.CreateIncidentAsync(Nwa, "Recovery region, stuck devices", "Sev2");
        created.Dispose();
        var devices = (await app.DevicesOfAsync(Nwa)).Where(d => d.ExternalId!.StartsWith("rmm-", StringComparison.Ordinal)).Take(2).ToList();
        var blocked = await mayaApi.AddTaskAsync(incident.Id, devices[0].Id);
        var failed = await mayaApi.AddTaskAsync(incident.Id, devices[1].Id);
        using var olivia = await app.PageClientForAsync(DemoDirectory.Olivia);
        var stuckBefore = Stuck((await GetAsync(olivia, $"/status/{Nwa}/recovery?part=live")).Body);

        await mayaApi.SetStateAsync(blocked.Id, "Blocked", "BitLocker recovery key needed");
        await mayaApi.SetStateAsync(failed.Id, "Failed", "Still boot-looping");

        Stuck((await GetAsync(olivia, $"/status/{Nwa}/recovery?part=live")).Body).ShouldBe(stuckBefore + 2);
    }

    [Fact]
    public async Task A_live_refetch_of_a_tenant_that_is_not_yours_or_does_not_exist_is_404_like_the_page()
    {
        using var olivia = await app.PageClientForAsync(DemoDirectory.Olivia);
        (await GetAsync(olivia, $"/status/{Nwa}/recovery?part=live")).Status.ShouldBe(HttpStatusCode.OK); // the tenant's recovery is built
        foreach (var email in new[] { DemoDirectory.Hana, DemoDirectory.Ines })
        {
            using var outsider = await app.PageClientForAsync(email);
            foreach (var tenant in new[] { Nwa, Guid.NewGuid() })
            {
                var (status, body) = await GetAsync(outsider, $"/status/{tenant}/recovery?part=live");
                status.ShouldBe(HttpStatusCode.NotFound, $"{email} {tenant}");
                body.ShouldNotContain("data-live-region=\"recovery\"", customMessage: email);
                body.ShouldNotContain("devices restored", customMessage: email);
            }
        }
    }

    /// <summary>The content security policy's nonce on the burn-down's data, new in every response.</summary>
    private static string WithoutNonce(string html) => System.Text.RegularExpressions.Regex.Replace(html, " nonce=\"[^\"]*\"", "");

    /// <summary>The "N" of the region's "· N stuck", 0 without it.</summary>
    private static int Stuck(string region)
    {
        var match = System.Text.RegularExpressions.Regex.Match(region, @"· ([\d,]+) stuck");
        return match.Success ? int.Parse(match.Groups[1].Value.Replace(",", "")) : 0;
    }

    /// <summary>"N of M devices restored", as the region says it.</summary>
    private static (int Done, int Total) Restored(string region)
    {
        var match = System.Text.RegularExpressions.Regex.Match(region, @"<strong>([\d,]+) of ([\d,]+) devices restored</strong>");
        match.Success.ShouldBeTrue(region);
        return (int.Parse(match.Groups[1].Value.Replace(",", "")), int.Parse(match.Groups[2].Value.Replace(",", "")));
    }
}
