using System.Net.Http.Json;
using System.Text.Json;
using Portal.IntegrationTests.Host;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// A tenant's recovery (its task counts and its burn-down) is shared by everyone who reads it until the tenant's counters change
/// (<c>TenantRecoveryCache</c>): a crowd of customers keeps the recovery page open while devices come back. Every change of a
/// task shows in the next read, for the customer as for the MSP, and another tenant's people still get 404.
/// </summary>
public sealed class TenantRecoveryReadTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Nwa => app.Demo.TenantId(DemoDirectory.Northwind);

    private async Task<(int Total, int Done)> CountsAsync(HttpClient client)
    {
        var view = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{Nwa}/progress", Ct);
        var counts = view.GetProperty("counts");
        return (counts.GetProperty("pending").GetInt32() + counts.GetProperty("inProgress").GetInt32() + counts.GetProperty("blocked").GetInt32()
                + counts.GetProperty("done").GetInt32() + counts.GetProperty("failed").GetInt32() + counts.GetProperty("notApplicable").GetInt32(),
            counts.GetProperty("done").GetInt32());
    }

    private async Task<JsonElement> LastBurnDownPointAsync(HttpClient client)
    {
        var view = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{Nwa}/burn-down", Ct);
        var points = view.GetProperty("points");
        return points[points.GetArrayLength() - 1];
    }

    [Fact]
    public async Task Every_task_change_shows_in_the_next_read_of_the_tenants_counts_and_burn_down()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        var (incident, created) = await maya.CreateIncidentAsync(Nwa, "Recovery read freshness", "Sev2");
        created.Dispose();
        var device = (await app.DevicesOfAsync(Nwa)).First(d => d.ExternalId!.StartsWith("rmm-", StringComparison.Ordinal));

        var before = await CountsAsync(olivia);
        (await CountsAsync(olivia)).ShouldBe(before, "read twice, the same shared counts");
        var task = await maya.AddTaskAsync(incident.Id, device.Id);
        var added = await CountsAsync(olivia);
        added.Total.ShouldBe(before.Total + 1, "a task added shows at once");
        (await CountsAsync(maya)).ShouldBe(added, "the MSP reads the same");

        await maya.SetStateAsync(task.Id, "Done");
        (await CountsAsync(olivia)).ShouldBe((added.Total, added.Done + 1), "a task done shows at once");
        var last = await LastBurnDownPointAsync(olivia);
        last.GetProperty("total").GetInt32().ShouldBe(added.Total);
        last.GetProperty("completed").GetInt32().ShouldBeGreaterThanOrEqualTo(added.Done + 1);
    }

    [Fact]
    public async Task Another_tenants_people_get_404_for_the_counts_and_the_burn_down_however_warm()
    {
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        await CountsAsync(olivia); // warm
        await LastBurnDownPointAsync(olivia);
        foreach (var email in new[] { DemoDirectory.Hana, DemoDirectory.Ines })
        {
            var outsider = await app.ClientForAsync(email);
            foreach (var path in new[] { $"/api/v1/tenants/{Nwa}/progress", $"/api/v1/tenants/{Nwa}/burn-down", $"/status/{Nwa}/recovery" })
            {
                using var response = await outsider.GetAsync(path, Ct);
                response.StatusCode.ShouldBe(HttpStatusCode.NotFound, $"{email} {path}");
            }
        }
    }
}
