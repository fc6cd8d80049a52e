using System.Globalization;
using System.Text.RegularExpressions;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// The MSP's recovery across all its tenants (/recovery): each managed tenant with the counts the API's roll-up gives, the total,
/// the lagging tenant first, a link to each tenant's recovery page, live on any of the MSP's tenants; nobody else's tenants, and
/// no page at all for customers and providers.
/// </summary>
public sealed partial class MspRecoveryPageTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex("""<tr data-tenant="([0-9a-f-]{36})"[^>]*>(.*?)</tr>""", RegexOptions.Singleline)]
    private static partial Regex TenantRow();

    [GeneratedRegex("""<td class="num">([0-9,]+)</td>""")]
    private static partial Regex NumberCell();

    private static async Task<MspProgressDto> RollupAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/api/v1/remediation/progress", Ct);
        return await response.ReadAsync<MspProgressDto>();
    }

    [Fact]
    public async Task An_msp_member_sees_each_managed_tenant_with_the_roll_ups_counts_lagging_first_and_no_other_msps_tenant()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), "Recovery page roll-up", "Sev2");
        created.Dispose();
        foreach (var device in (await app.DevicesOfAsync(app.Demo.TenantId(DemoDirectory.Northwind))).Take(2)) await maya.AddTaskAsync(incident.Id, device.Id);
        var rollup = await RollupAsync(maya);

        using var page = await app.PageClientForAsync(DemoDirectory.Maya);
        var html = await page.GetStringAsync("/recovery", Ct);
        html.ShouldContain("data-live-page=\"tenants\"");
        Regex.Replace(html, "<[^>]+>", " ").ShouldContain($"{rollup.Total.Completed.ToString("N0", CultureInfo.InvariantCulture)} of {rollup.Total.Total.ToString("N0", CultureInfo.InvariantCulture)} devices restored");
        var rows = TenantRow().Matches(html).Select(m => (Id: Guid.Parse(m.Groups[1].Value), Cells: m.Groups[2].Value)).ToList();
        rows.Select(r => r.Id).ShouldBe(app.Demo.MspTenantsOf(DemoDirectory.Maya), ignoreOrder: true);
        foreach (var (id, cells) in rows)
        {
            var t = rollup.Tenants.Single(x => x.TenantId == id);
            NumberCell().Matches(cells).Select(m => int.Parse(m.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture))
                .ShouldBe([t.Incidents, t.Counts.Total, t.Counts.Completed, t.Counts.Blocked + t.Counts.Failed, t.Counts.Pending + t.Counts.InProgress], t.TenantName);
            cells.ShouldContain($"href=\"/status/{id}/recovery\"");
        }
        // Least restored first, tenants without device work last.
        var shares = rows.Select(r => rollup.Tenants.Single(t => t.TenantId == r.Id).Counts)
            .Select(c => c.Total == 0 ? 2.0 : (double)c.Completed / c.Total).ToList();
        shares.ShouldBeInOrder(SortDirection.Ascending);

        using var ines = await app.PageClientForAsync(DemoDirectory.Ines);
        var hers = await ines.GetStringAsync("/recovery", Ct);
        TenantRow().Matches(hers).Select(m => Guid.Parse(m.Groups[1].Value)).ShouldBe(app.Demo.MspTenantsOf(DemoDirectory.Ines), ignoreOrder: true);
        hers.ShouldNotContain(app.Demo.TenantId(DemoDirectory.Northwind).ToString());
    }

    [Fact]
    public async Task Customers_and_providers_get_the_forbidden_page_and_msp_members_a_link_in_the_menu()
    {
        foreach (var (email, home) in new[] { (DemoDirectory.Olivia, $"/status/{app.Demo.TenantId(DemoDirectory.Northwind)}"), (DemoDirectory.Priya, "/provider") })
        {
            using var client = await app.PageClientForAsync(email);
            using var response = await client.GetAsync("/recovery", Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, email);
            (await client.GetStringAsync(home, Ct)).ShouldNotContain("href=\"/recovery\"", Case.Sensitive, email);
        }
        using var maya = await app.PageClientForAsync(DemoDirectory.Maya);
        (await maya.GetStringAsync("/triage", Ct)).ShouldContain("href=\"/recovery\"");
    }
}
