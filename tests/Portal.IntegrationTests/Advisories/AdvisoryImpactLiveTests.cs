using System.Net.Http.Json;
using System.Text.Json;
using Portal.IntegrationTests.Live;

namespace Portal.IntegrationTests.Advisories;

/// <summary>
/// The provider's dashboard follows an advisory's reach and recovery live: a fan-out and devices marked done send its provider
/// (and only its provider) an <c>AdvisoryImpactChanged</c> that names the advisory and nothing else.
/// </summary>
public sealed class AdvisoryImpactLiveTests(SqliteLiveApp app) : IClassFixture<SqliteLiveApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(1500);

    [Fact]
    public async Task The_provider_hears_that_its_advisorys_counts_moved_and_nothing_about_where()
    {
        var nimbus = app.Demo.Org("Nimbus Cloud").Id;
        await using var graceLive = await app.ConnectAsync("grace@nimbuscloud.example");
        await using var priyaLive = await app.ConnectAsync(DemoDirectory.Priya);
        var grace = await app.ClientForAsync("grace@nimbuscloud.example");
        var advisory = await grace.PublishAsync(nimbus, "Compute hosts restarting (impact live)", [(await grace.ServiceAsync(AdvisoryApi.ComputeService)).Id], ["westeurope"], "Sev2");
        await graceLive.WaitForAsync(m => m.Method == "AdvisoryPublished");

        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var fannedOut = await maya.FanOutAsync(advisory.Id, new { deviceFilter = new { tag = "server" } });
        var afterFanOut = await graceLive.WaitForAsync(m => m.Method == "AdvisoryImpactChanged");
        afterFanOut.Stream.ShouldBe($"provider/{nimbus}");
        afterFanOut.Payload.GetProperty("advisoryId").GetGuid().ShouldBe(advisory.Id);
        afterFanOut.Payload.EnumerateObject().Select(p => p.Name).ShouldBe(["stream", "advisoryId", "at"], ignoreOrder: true);

        // Devices fixed on a linked incident: the provider hears it again (after the coalescing interval), still ids only.
        var incidentId = fannedOut.Tenants.First(t => t.Tasks > 0).IncidentId!.Value;
        var task = (await maya.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{incidentId}/tasks?limit=1", Ct)).GetProperty("items")[0].GetProperty("id").GetGuid();
        var before = graceLive.Received.Count(m => m.Method == "AdvisoryImpactChanged");
        (await maya.PostAsJsonAsync($"/api/v1/tasks/{task}/state", new { state = "Done" }, Ct)).EnsureSuccessStatusCode();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (graceLive.Received.Count(m => m.Method == "AdvisoryImpactChanged") == before && DateTime.UtcNow < deadline) await Task.Delay(50, Ct);
        graceLive.Received.Count(m => m.Method == "AdvisoryImpactChanged").ShouldBeGreaterThan(before, "the device marked Done moved the counts");

        await Task.Delay(Quiet, Ct);
        priyaLive.Received.ShouldNotContain(m => m.Method == "AdvisoryImpactChanged", "another provider's advisory");
        var text = string.Join("\n", graceLive.Received.Select(m => m.Payload.GetRawText()));
        foreach (var tenant in fannedOut.Tenants)
        {
            text.ShouldNotContain(tenant.TenantId.ToString());
            text.ShouldNotContain(tenant.TenantName);
        }
    }
}
