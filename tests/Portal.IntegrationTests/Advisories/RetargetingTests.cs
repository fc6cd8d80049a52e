using Microsoft.EntityFrameworkCore;

namespace Portal.IntegrationTests.Advisories;

public sealed record SubscriptionDto(Guid Id, Guid TenantId, Guid ServiceId, string ServiceName, string ProviderName, string? Region);

public static class SubscriptionApi
{
    public static async Task<SubscriptionDto[]> SubscriptionsAsync(this HttpClient client, Guid tenantId)
    {
        using var response = await client.GetAsync($"/api/v1/tenants/{tenantId}/subscriptions");
        return await response.ReadAsync<SubscriptionDto[]>();
    }

    public static Task<HttpResponseMessage> PostSubscriptionAsync(this HttpClient client, Guid tenantId, object body) =>
        client.PostJsonAsync($"/api/v1/tenants/{tenantId}/subscriptions", body);

    public static async Task<SubscriptionDto> AddSubscriptionAsync(this HttpClient client, Guid tenantId, Guid serviceId, string? region)
    {
        using var response = await client.PostSubscriptionAsync(tenantId, new { serviceId, region });
        return await response.ReadAsync<SubscriptionDto>(HttpStatusCode.Created);
    }

    public static async Task RemoveSubscriptionAsync(this HttpClient client, Guid tenantId, Guid subscriptionId)
    {
        using var response = await client.DeleteAsync($"/api/v1/tenants/{tenantId}/subscriptions/{subscriptionId}");
        response.StatusCode.ShouldBe(HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
    }
}

/// <summary>
/// A tenant's subscriptions change: every open advisory of that service is retargeted in the same transaction. A tenant that stops
/// being targeted no longer sees the advisory (404, like any advisory that is not its), a new one sees it at once. Refusals are
/// problems and change nothing. Both databases.
/// </summary>
public abstract class RetargetingTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Nimbus => app.Demo.Org("Nimbus Cloud").Id;
    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);
    private Guid Woodgrove => app.Demo.TenantId(DemoDirectory.Woodgrove);

    private async Task<(HttpClient Grace, ProviderServiceDto Service)> DesktopsAsync()
    {
        var grace = await app.ClientForAsync("grace@nimbuscloud.example");
        return (grace, await grace.ServiceAsync("Nimbus Virtual Desktop"));
    }

    private async Task<HttpStatusCode> StatusOfAsync(string email, Guid advisoryId)
    {
        using var response = await (await app.ClientForAsync(email)).GetAsync($"/api/v1/advisories/{advisoryId}", Ct);
        return response.StatusCode;
    }

    [Fact]
    public async Task A_new_subscription_makes_the_tenant_a_target_and_removing_it_takes_the_advisory_away()
    {
        var (grace, desktops) = await DesktopsAsync();
        var advisory = await grace.PublishAsync(Nimbus, "Virtual desktops fail to start (retarget)", [desktops.Id], severity: "Sev2");
        (await app.TargetsAsync(advisory.Id)).ShouldNotContain(Woodgrove, "Woodgrove has no desktop subscription in the demo");
        (await StatusOfAsync(DemoDirectory.Hana, advisory.Id)).ShouldBe(HttpStatusCode.NotFound);

        // Woodgrove's own admin declares the service: the open advisory reaches it at once.
        var hana = await app.ClientForAsync(DemoDirectory.Hana);
        var subscription = await hana.AddSubscriptionAsync(Woodgrove, desktops.Id, null);
        subscription.ServiceName.ShouldBe("Nimbus Virtual Desktop");
        subscription.Region.ShouldBeNull();
        (await app.TargetsAsync(advisory.Id)).ShouldContain(Woodgrove);
        (await StatusOfAsync(DemoDirectory.Hana, advisory.Id)).ShouldBe(HttpStatusCode.OK);
        (await hana.SubscriptionsAsync(Woodgrove)).Select(s => s.Id).ShouldContain(subscription.Id);

        // And removes it again: the advisory is gone from its side, as if it had never concerned it.
        await hana.RemoveSubscriptionAsync(Woodgrove, subscription.Id);
        (await app.TargetsAsync(advisory.Id)).ShouldNotContain(Woodgrove);
        (await StatusOfAsync(DemoDirectory.Hana, advisory.Id)).ShouldBe(HttpStatusCode.NotFound);
        using var list = await hana.GetAsync("/api/v1/advisories", Ct);
        (await list.Content.ReadAsStringAsync(Ct)).ShouldNotContain(advisory.Id.ToString());
    }

    [Fact]
    public async Task The_region_decides_and_the_msp_may_manage_its_tenants_subscriptions()
    {
        var (grace, desktops) = await DesktopsAsync();
        var advisory = await grace.PublishAsync(Nimbus, "Desktops down in North Europe (retarget)", [desktops.Id], ["northeurope"], "Sev3");
        var before = await app.TargetsAsync(advisory.Id);
        before.ShouldNotContain(Northwind, "Northwind's desktops run in westeurope");

        var maya = await app.ClientForAsync(DemoDirectory.Maya); // Harbor manages Northwind
        var elsewhere = await maya.AddSubscriptionAsync(Northwind, desktops.Id, "eastus");
        (await app.TargetsAsync(advisory.Id)).ShouldBe(before, ignoreOrder: true, "a subscription in another region does not match");

        var north = await maya.AddSubscriptionAsync(Northwind, desktops.Id, " NorthEurope ");
        north.Region.ShouldBe("northeurope");
        (await app.TargetsAsync(advisory.Id)).ShouldBe(before.Append(Northwind).ToHashSet(), ignoreOrder: true);
        (await StatusOfAsync(DemoDirectory.Olivia, advisory.Id)).ShouldBe(HttpStatusCode.OK);

        await maya.RemoveSubscriptionAsync(Northwind, north.Id);
        await maya.RemoveSubscriptionAsync(Northwind, elsewhere.Id);
        (await app.TargetsAsync(advisory.Id)).ShouldBe(before, ignoreOrder: true);
        (await StatusOfAsync(DemoDirectory.Olivia, advisory.Id)).ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_resolved_advisory_is_not_retargeted()
    {
        var (grace, desktops) = await DesktopsAsync();
        var advisory = await grace.PublishAsync(Nimbus, "Desktop outage, over (retarget)", [desktops.Id], severity: "Sev4");
        await grace.PostUpdateAsync(advisory.Id, "Resolved", "Fixed.");
        var hana = await app.ClientForAsync(DemoDirectory.Hana);
        var subscription = await hana.AddSubscriptionAsync(Woodgrove, desktops.Id, "westeurope");
        try
        {
            (await app.TargetsAsync(advisory.Id)).ShouldNotContain(Woodgrove);
        }
        finally
        {
            await hana.RemoveSubscriptionAsync(Woodgrove, subscription.Id);
        }
    }

    [Fact]
    public async Task Refusals_are_problems_and_change_nothing()
    {
        var (_, desktops) = await DesktopsAsync();
        var count = await app.QueryAsync(db => db.Subscriptions.CountAsync());
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        var northwindSubscriptions = await olivia.SubscriptionsAsync(Northwind);

        // Validation at the edge: a missing service, a region with a comma or too long.
        using (var noService = await olivia.PostSubscriptionAsync(Northwind, new { region = "westeurope" }))
            (await noService.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.Keys.ShouldContain("serviceId");
        using (var comma = await olivia.PostSubscriptionAsync(Northwind, new { serviceId = desktops.Id, region = "west,north" }))
            (await comma.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.Keys.ShouldContain("region");
        using (var tooLong = await olivia.PostSubscriptionAsync(Northwind, new { serviceId = desktops.Id, region = new string('x', 65) }))
            (await tooLong.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.Keys.ShouldContain("region");
        using (var unknown = await olivia.PostSubscriptionAsync(Northwind, new { serviceId = Guid.NewGuid() }))
            (await unknown.ReadProblemAsync(HttpStatusCode.BadRequest)).Code.ShouldBe("unknown_service");
        // The same service and region twice: 409.
        var existing = northwindSubscriptions.First();
        using (var duplicate = await olivia.PostSubscriptionAsync(Northwind, new { serviceId = existing.ServiceId, region = existing.Region }))
            (await duplicate.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("already_subscribed");

        // Access: a viewer may not (403); another customer's tenant, another MSP's tenant and a provider see no tenant (404).
        using (var viewer = await (await app.ClientForAsync(DemoDirectory.Noah)).PostSubscriptionAsync(Northwind, new { serviceId = desktops.Id }))
            await viewer.ReadProblemAsync(HttpStatusCode.Forbidden);
        using (var otherCustomer = await (await app.ClientForAsync(DemoDirectory.Hana)).PostSubscriptionAsync(Northwind, new { serviceId = desktops.Id }))
            (await otherCustomer.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such tenant");
        using (var otherMsp = await (await app.ClientForAsync(DemoDirectory.Ines)).PostSubscriptionAsync(Northwind, new { serviceId = desktops.Id }))
            await otherMsp.ReadProblemAsync(HttpStatusCode.NotFound);
        using (var provider = await (await app.ClientForAsync("grace@nimbuscloud.example")).PostSubscriptionAsync(Northwind, new { serviceId = desktops.Id }))
            await provider.ReadProblemAsync(HttpStatusCode.NotFound);
        using (var foreignList = await (await app.ClientForAsync(DemoDirectory.Hana)).GetAsync($"/api/v1/tenants/{Northwind}/subscriptions", Ct))
            await foreignList.ReadProblemAsync(HttpStatusCode.NotFound);

        // Removing: another tenant's subscription through one's own tenant is not there; through the foreign tenant, no tenant.
        var hana = await app.ClientForAsync(DemoDirectory.Hana);
        using (var crossed = await hana.DeleteAsync($"/api/v1/tenants/{Woodgrove}/subscriptions/{existing.Id}", Ct))
            (await crossed.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such subscription");
        using (var foreign = await hana.DeleteAsync($"/api/v1/tenants/{Northwind}/subscriptions/{existing.Id}", Ct))
            (await foreign.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such tenant");
        using (var noah = await (await app.ClientForAsync(DemoDirectory.Noah)).DeleteAsync($"/api/v1/tenants/{Northwind}/subscriptions/{existing.Id}", Ct))
            await noah.ReadProblemAsync(HttpStatusCode.Forbidden);

        (await app.QueryAsync(db => db.Subscriptions.CountAsync())).ShouldBe(count);
        (await olivia.SubscriptionsAsync(Northwind)).ShouldBe(northwindSubscriptions);
    }
}

public sealed class RetargetingTestsOnSqlite(SqliteApp app) : RetargetingTests(app), IClassFixture<SqliteApp>;

public sealed class RetargetingTestsOnPostgreSql(PostgresApp app) : RetargetingTests(app), IClassFixture<PostgresApp>;
