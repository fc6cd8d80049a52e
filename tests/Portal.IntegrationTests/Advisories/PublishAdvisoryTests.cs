using System.Net.Http.Json;

namespace Portal.IntegrationTests.Advisories;

/// <summary>Publishing, targeting by service and region, visibility on the tenant side, and updates reaching linked incidents; both databases.</summary>
public abstract class PublishAdvisoryTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Sentinel => app.Demo.Org("Sentinel Shield Security").Id;
    private Guid Nimbus => app.Demo.Org("Nimbus Cloud").Id;

    [Fact]
    public async Task A_published_advisory_targets_exactly_the_subscribed_tenants_and_only_they_see_it()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var sensor = await priya.ServiceAsync(AdvisoryApi.SensorService);

        var advisory = await priya.PublishAsync(Sentinel, "Sensor update crashes Windows hosts", [sensor.Id]);

        advisory.Status.ShouldBe("Investigating");
        advisory.Updates.Count.ShouldBe(1);
        advisory.RunbookHtml.ShouldContain("<code>C-00000291*.sys</code>");
        var targets = await app.TargetsAsync(advisory.Id);
        targets.ShouldBe(await app.SubscribersAsync(sensor.Id), ignoreOrder: true);
        targets.ShouldNotBeEmpty();

        foreach (var email in new[] { DemoDirectory.Olivia, DemoDirectory.Hana })
        {
            var customer = await app.ClientForAsync(email);
            var own = app.Demo.User(email).Memberships.Single().OrganisationId;
            using var response = await customer.GetAsync($"/api/v1/advisories/{advisory.Id}", Ct);
            response.StatusCode.ShouldBe(targets.Contains(own) ? HttpStatusCode.OK : HttpStatusCode.NotFound, email);
        }
    }

    [Fact]
    public async Task An_msp_sees_an_advisory_only_when_it_targets_one_of_its_tenants()
    {
        var grace = await app.ClientForAsync("grace@nimbuscloud.example");
        var desktops = await grace.ServiceAsync("Nimbus Virtual Desktop");
        var advisory = await grace.PublishAsync(Nimbus, "Virtual desktops fail to start", [desktops.Id], ["westeurope"], "Sev2");
        var targets = await app.TargetsAsync(advisory.Id);

        var seen = new List<bool>();
        foreach (var email in new[] { DemoDirectory.Maya, DemoDirectory.Ines })
        {
            var concerned = app.Demo.MspTenantsOf(email).Overlaps(targets);
            seen.Add(concerned);
            var msp = await app.ClientForAsync(email);
            using var response = await msp.GetAsync($"/api/v1/advisories/{advisory.Id}", Ct);
            response.StatusCode.ShouldBe(concerned ? HttpStatusCode.OK : HttpStatusCode.NotFound, email);
            using var list = await msp.GetAsync("/api/v1/advisories", Ct);
            (await list.Content.ReadAsStringAsync(Ct)).Contains(advisory.Id.ToString(), StringComparison.Ordinal).ShouldBe(concerned, email);
        }
        seen.ShouldContain(true);
        seen.ShouldContain(false, "the demo's desktop subscriptions are all Harbor's: Bluepeak is not concerned");
    }

    [Fact]
    public async Task A_regional_advisory_reaches_only_tenants_in_that_region()
    {
        var grace = await app.ClientForAsync("grace@nimbuscloud.example");
        var compute = await grace.ServiceAsync(AdvisoryApi.ComputeService);
        compute.Regions.ShouldContain("westeurope");

        var advisory = await grace.PublishAsync(Nimbus, "Compute hosts restarting in West Europe", [compute.Id], ["westeurope"], "Sev2");

        var targets = await app.TargetsAsync(advisory.Id);
        targets.ShouldBe(await app.SubscribersAsync(compute.Id, ["westeurope"]), ignoreOrder: true);
        targets.Count.ShouldBeLessThan((await app.SubscribersAsync(compute.Id)).Count, "the northeurope tenants are not targeted");
    }

    [Fact]
    public async Task Only_the_providers_publisher_may_publish_and_edit_and_a_foreign_provider_is_not_there()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var sensor = await priya.ServiceAsync(AdvisoryApi.SensorService);
        var body = new { title = "x", severity = "Sev3", impact = "y", serviceIds = new[] { sensor.Id } };

        using (var viewer = await (await app.ClientForAsync("tom@sentinelshield.example")).PostAdvisoryAsync(Sentinel, body))
            viewer.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using (var foreign = await (await app.ClientForAsync("grace@nimbuscloud.example")).PostAdvisoryAsync(Sentinel, body))
            foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using (var msp = await (await app.ClientForAsync(DemoDirectory.Maya)).PostAdvisoryAsync(Sentinel, body))
            msp.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using (var otherService = await priya.PostAdvisoryAsync(Sentinel, body with { serviceIds = new[] { (await (await app.ClientForAsync("grace@nimbuscloud.example")).ServiceAsync(AdvisoryApi.ComputeService)).Id } }))
            otherService.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using (var empty = await priya.PostAdvisoryAsync(Sentinel, new { severity = "Sev3", serviceIds = Array.Empty<Guid>() }))
        {
            var problem = await empty.Content.ReadAsStringAsync(Ct);
            empty.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            problem.ShouldContain("title");
            problem.ShouldContain("serviceIds");
        }
    }

    [Fact]
    public async Task An_update_is_appended_and_an_edit_keeps_the_earlier_revision()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var sensor = await priya.ServiceAsync(AdvisoryApi.SensorService);
        var advisory = await priya.PublishAsync(Sentinel, "Agent 7.11 boot loop", [sensor.Id]);

        var updated = await priya.PostUpdateAsync(advisory.Id, "Identified", "Channel file 291 is the cause. **Do not** reinstall.");
        updated.Status.ShouldBe("Identified");
        updated.Updates.Select(u => u.Number).ShouldBe([1, 2]);
        updated.Updates[1].TextHtml.ShouldContain("<strong>Do not</strong>");

        using var edit = await priya.PutAsJsonAsync($"/api/v1/advisories/{advisory.Id}",
            new { title = "Agent 7.11 boot loop on Windows", severity = "Sev1", impact = "Windows hosts fail to boot.", serviceIds = new[] { sensor.Id } }, Ct);
        var edited = await edit.ReadAsync<AdvisoryDto>();
        edited.Revision.ShouldBe(2);
        edited.Title.ShouldBe("Agent 7.11 boot loop on Windows");
        using var revisions = await priya.GetAsync($"/api/v1/advisories/{advisory.Id}/revisions", Ct);
        var history = await revisions.Content.ReadAsStringAsync(Ct);
        history.ShouldContain("\"title\":\"Agent 7.11 boot loop\"");
        history.ShouldContain("\"title\":\"Agent 7.11 boot loop on Windows\"");
    }
}

public sealed class PublishAdvisoryTestsOnSqlite(SqliteApp app) : PublishAdvisoryTests(app), IClassFixture<SqliteApp>;

public sealed class PublishAdvisoryTestsOnPostgreSql(PostgresApp app) : PublishAdvisoryTests(app), IClassFixture<PostgresApp>;
