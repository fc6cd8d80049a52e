using System.Net.Http.Json;
using System.Text.Json;
using Portal.IntegrationTests.Live;

namespace Portal.IntegrationTests.Advisories;

/// <summary>
/// A tenant removes its subscription while an advisory about that service is open: the advisory stops targeting it, and its
/// customers' open status pages are told (an AdvisoryUpdated on their stream) so they refetch and drop the card.
/// </summary>
public sealed class DroppedTargetLiveTests(SqliteLiveApp app) : IClassFixture<SqliteLiveApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_tenant_that_stops_being_targeted_is_told_and_its_status_no_longer_shows_the_advisory()
    {
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var grace = await app.ClientForAsync("grace@nimbuscloud.example");
        var desktops = await grace.ServiceAsync("Nimbus Virtual Desktop");
        var advisory = await grace.PublishAsync(app.Demo.Org("Nimbus Cloud").Id, "Desktops slow (dropped target)", [desktops.Id], [], "Sev3");
        (await app.TargetsAsync(advisory.Id)).ShouldContain(northwind);

        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        (await olivia.GetStringAsync($"/api/v1/tenants/{northwind}/status", Ct)).ShouldContain(advisory.Id.ToString());
        await using var oliviaLive = await app.ConnectAsync(DemoDirectory.Olivia);

        var subscriptions = await olivia.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{northwind}/subscriptions", Ct);
        var desktopSubscription = subscriptions.EnumerateArray().Single(s => s.GetProperty("serviceId").GetGuid() == desktops.Id).GetProperty("id").GetGuid();
        using (var removed = await olivia.DeleteAsync($"/api/v1/tenants/{northwind}/subscriptions/{desktopSubscription}", Ct))
            removed.StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var told = await oliviaLive.WaitForAsync(m => m.Method == "AdvisoryUpdated");
        told.Stream.ShouldBe($"tenant/{northwind}");
        (await app.TargetsAsync(advisory.Id)).ShouldNotContain(northwind);
        (await olivia.GetStringAsync($"/api/v1/tenants/{northwind}/status", Ct)).ShouldNotContain(advisory.Id.ToString());
        using var gone = await olivia.GetAsync($"/api/v1/advisories/{advisory.Id}", Ct);
        gone.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_msp_retargeting_its_own_tenant_tells_that_tenant_and_the_provider_and_no_one_else()
    {
        var fabrikam = app.Demo.TenantId("Fabrikam Health");
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var sensor = await priya.ServiceAsync("ShieldSensor Endpoint Agent");
        var advisory = await priya.PublishAsync(app.Demo.Org("Sentinel Shield Security").Id, "Sensor hotfix (retarget)", [sensor.Id], [], "Sev2");
        (await app.TargetsAsync(advisory.Id)).ShouldContain(fabrikam);
        await using var olivia = await app.ConnectAsync(DemoDirectory.Olivia); // Northwind: Harbor's, like Fabrikam
        await using var hana = await app.ConnectAsync(DemoDirectory.Hana);     // Woodgrove: Bluepeak's
        await using var provider = await app.ConnectAsync(DemoDirectory.Priya);
        await using var maya = await app.ConnectAsync(DemoDirectory.Maya);    // Fabrikam's MSP stream

        var harbor = await app.ClientForAsync(DemoDirectory.Maya);
        using (var removed = await harbor.DeleteAsync($"/api/v1/advisories/{advisory.Id}/tenants/{fabrikam}", Ct)) removed.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        using (var added = await harbor.PutAsync($"/api/v1/advisories/{advisory.Id}/tenants/{fabrikam}", null, Ct)) added.StatusCode.ShouldBe(HttpStatusCode.OK);

        await provider.WaitForAsync(m => m.Method == "AdvisoryUpdated" && m.Stream.StartsWith("provider/", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        var fabrikamTold = await maya.WaitForAsync(m => m.Method == "AdvisoryUpdated" && m.Stream == $"tenant/{fabrikam}", TimeSpan.FromSeconds(10));
        await Task.Delay(500, Ct); // anything meant for the others would have come with these
        olivia.Received.ShouldNotContain(m => m.Method.StartsWith("Advisory", StringComparison.Ordinal), "Northwind's targeting did not change");
        hana.Received.ShouldNotContain(m => m.Method.StartsWith("Advisory", StringComparison.Ordinal), "nor Woodgrove's, another MSP's tenant");
        maya.Received.ShouldNotContain(m => m.Method.StartsWith("Advisory", StringComparison.Ordinal) && m.Stream != $"tenant/{fabrikam}" && m.Stream.StartsWith("tenant/", StringComparison.Ordinal),
            "Maya's other tenants saw nothing change either");
        fabrikamTold.ShouldNotBeNull();
    }
}
