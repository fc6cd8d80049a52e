using System.Net.Http.Json;
using Portal.Infrastructure.Data;

namespace Portal.IntegrationTests.Advisories;

/// <summary>The MSP's inbox, acknowledgement per tenant, adding and removing tenants; refusals; both databases.</summary>
public abstract class AdvisoryInboxTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] BothRegions = ["westeurope", "northeurope"];
    private Guid Sentinel => app.Demo.Org("Sentinel Shield Security").Id;
    private Guid Nimbus => app.Demo.Org("Nimbus Cloud").Id;
    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);
    private Guid Fabrikam => app.Demo.TenantId("Fabrikam Health");
    private Guid Woodgrove => app.Demo.TenantId(DemoDirectory.Woodgrove);

    private async Task<AdvisoryDto> SensorAdvisoryAsync(string title)
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        return await priya.PublishAsync(Sentinel, title, [(await priya.ServiceAsync(AdvisoryApi.SensorService)).Id]);
    }

    /// <summary>West Europe only: Northwind, Tailspin and Alpine are targeted, Fabrikam and Woodgrove (northeurope) are not.</summary>
    private async Task<AdvisoryDto> RegionalAdvisoryAsync(string title)
    {
        var grace = await app.ClientForAsync("grace@nimbuscloud.example");
        return await grace.PublishAsync(Nimbus, title, [(await grace.ServiceAsync(AdvisoryApi.ComputeService)).Id], ["westeurope"], "Sev2");
    }

    /// <summary>A fresh demo shows the advisory flow, not an empty inbox: the vendor has spoken, Harbor has seen it, Bluepeak not yet.</summary>
    [Fact]
    public async Task The_demo_opens_on_the_vendors_advisory_acknowledged_by_Harbor_and_still_new_to_Bluepeak()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var harbor = (await maya.InboxAsync()).Where(i => i.AdvisoryTitle == DemoData.SensorAdvisoryTitle).ToList();
        harbor.Select(i => i.TenantId).ShouldBe(app.Demo.MspTenantsOf(DemoDirectory.Maya), ignoreOrder: true);
        harbor.ShouldAllBe(i => i.ProviderName == "Sentinel Shield Security" && i.Severity == "Sev1" && i.Status == "Mitigating"
            && i.AcknowledgedBy == "Liam O'Brien" && i.IncidentId == null);

        var ines = await app.ClientForAsync(DemoDirectory.Ines);
        var bluepeak = (await ines.InboxAsync("unacknowledged=true")).Where(i => i.AdvisoryTitle == DemoData.SensorAdvisoryTitle).ToList();
        bluepeak.Select(i => i.TenantId).ShouldBe(app.Demo.MspTenantsOf(DemoDirectory.Ines), ignoreOrder: true);

        using var response = await maya.GetAsync($"/api/v1/advisories/{harbor[0].AdvisoryId}", Ct);
        var advisory = await response.ReadAsync<AdvisoryDto>();
        advisory.Runbook.ShouldNotBeNull().ShouldContain("Safe Mode");
        advisory.Updates.Select(u => u.Status).ShouldBe(["Identified", "Mitigating"]);

        // Northwind's customers read it on their status, with the vendor's latest word.
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        using var status = await olivia.GetAsync($"/api/v1/tenants/{Northwind}/status", Ct);
        var shown = (await status.ReadAsync<System.Text.Json.JsonElement>()).GetProperty("advisories").EnumerateArray()
            .Single(a => a.GetProperty("id").GetGuid() == advisory.Id);
        shown.GetProperty("status").GetString().ShouldBe("Mitigating");
        shown.GetProperty("latestUpdate").GetProperty("number").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task Each_MSP_sees_its_own_targeted_tenants_unacknowledged_and_an_acknowledgement_keeps_the_first_who_and_when()
    {
        var advisory = await SensorAdvisoryAsync("Sensor update crashes hosts (inbox)");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var ines = await app.ClientForAsync(DemoDirectory.Ines);

        var mine = (await maya.InboxAsync("unacknowledged=true")).Where(i => i.AdvisoryId == advisory.Id).ToList();
        mine.Select(i => i.TenantId).ShouldBe(app.Demo.MspTenantsOf(DemoDirectory.Maya), ignoreOrder: true);
        mine.ShouldAllBe(i => i.AcknowledgedAt == null && i.IncidentId == null && i.ProviderName == "Sentinel Shield Security" && i.Severity == "Sev1"
            && i.Status == "Investigating" && i.Source == "Subscription");
        (await ines.InboxAsync()).Where(i => i.AdvisoryId == advisory.Id).Select(i => i.TenantId)
            .ShouldBe(app.Demo.MspTenantsOf(DemoDirectory.Ines), ignoreOrder: true);

        using var first = await maya.PostAcknowledgeAsync(advisory.Id, Northwind);
        var acknowledged = await first.ReadAsync<InboxItemDto>();
        acknowledged.AcknowledgedBy.ShouldBe(app.Demo.User(DemoDirectory.Maya).Name);
        acknowledged.AcknowledgedAt.ShouldNotBeNull();
        acknowledged.TenantName.ShouldBe(DemoDirectory.Northwind);

        using var again = await (await app.ClientForAsync(DemoDirectory.Sam)).PostAcknowledgeAsync(advisory.Id, Northwind);
        var second = await again.ReadAsync<InboxItemDto>();
        second.AcknowledgedBy.ShouldBe(acknowledged.AcknowledgedBy);
        second.AcknowledgedAt.ShouldBe(acknowledged.AcknowledgedAt);

        var todo = (await maya.InboxAsync("unacknowledged=true")).Where(i => i.AdvisoryId == advisory.Id).Select(i => i.TenantId).ToList();
        todo.ShouldNotContain(Northwind);
        todo.Count.ShouldBe(mine.Count - 1);
        var all = await maya.InboxAsync($"advisoryId={advisory.Id}");
        all.Count.ShouldBe(mine.Count);
        all[^1].TenantId.ShouldBe(Northwind, "the acknowledged come after the to-do");
        (await ines.InboxAsync($"advisoryId={advisory.Id}")).ShouldAllBe(i => i.AcknowledgedAt == null, "Harbor's acknowledgement is not Bluepeak's");
    }

    [Fact]
    public async Task The_inbox_links_the_incident_a_fan_out_opened()
    {
        var advisory = await SensorAdvisoryAsync("Sensor update crashes hosts (linked)");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var result = await maya.FanOutAsync(advisory.Id, new { tenantIds = new[] { Fabrikam } });
        var item = (await maya.InboxAsync($"advisoryId={advisory.Id}")).Single(i => i.TenantId == Fabrikam);
        item.IncidentId.ShouldBe(result.Tenants[0].IncidentId);
        item.IncidentReference.ShouldBe(result.Tenants[0].IncidentReference);
        item.IncidentStatus.ShouldBe("New");
        item.AcknowledgedAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task Acknowledging_is_for_the_tenants_MSP_only()
    {
        var advisory = await SensorAdvisoryAsync("Sensor update crashes hosts (refusals)");
        var regional = await RegionalAdvisoryAsync("Compute restarts (refusals)");

        async Task Refused(string email, Guid advisoryId, Guid tenantId, HttpStatusCode status, string because)
        {
            using var response = await (await app.ClientForAsync(email)).PostAcknowledgeAsync(advisoryId, tenantId);
            var problem = await response.ReadProblemAsync(status);
            problem.Status.ShouldBe((int)status, because);
        }
        await Refused(DemoDirectory.Olivia, advisory.Id, Northwind, HttpStatusCode.Forbidden, "the customer sees it but does not acknowledge");
        await Refused(DemoDirectory.Priya, advisory.Id, Northwind, HttpStatusCode.NotFound, "the provider cannot reach a tenant");
        await Refused(DemoDirectory.Ines, advisory.Id, Northwind, HttpStatusCode.NotFound, "another MSP's tenant");
        await Refused(DemoDirectory.Maya, regional.Id, Fabrikam, HttpStatusCode.NotFound, "a tenant the advisory does not target");
        await Refused(DemoDirectory.Maya, Guid.NewGuid(), Northwind, HttpStatusCode.NotFound, "an unknown advisory");
        (await app.LinkedStateAsync(advisory.Id, Northwind)).Target!.AcknowledgedAt.ShouldBeNull();

        foreach (var email in new[] { DemoDirectory.Olivia, DemoDirectory.Priya })
        {
            using var inbox = await (await app.ClientForAsync(email)).GetAsync("/api/v1/advisories/inbox", Ct);
            await inbox.ReadProblemAsync(HttpStatusCode.Forbidden);
        }
        using var badLimit = await (await app.ClientForAsync(DemoDirectory.Maya)).GetAsync("/api/v1/advisories/inbox?limit=0", Ct);
        (await badLimit.ReadProblemAsync(HttpStatusCode.BadRequest)).Code.ShouldBe("invalid_limit");
    }

    [Fact]
    public async Task An_MSP_adds_a_tenant_the_subscriptions_missed_and_removes_one_that_is_not_affected()
    {
        var advisory = await RegionalAdvisoryAsync("Compute restarts (add/remove)");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var emma = await app.ClientForAsync("emma@fabrikamhealth.example");
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        using (var before = await emma.GetAsync($"/api/v1/advisories/{advisory.Id}", Ct)) before.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        using (var add = await maya.PutAsync($"/api/v1/advisories/{advisory.Id}/tenants/{Fabrikam}", null, Ct))
        {
            var added = await add.ReadAsync<InboxItemDto>();
            added.Source.ShouldBe("AddedByMsp");
            added.AcknowledgedAt.ShouldBeNull();
        }
        (await app.TargetsAsync(advisory.Id)).ShouldContain(Fabrikam);
        using (var after = await emma.GetAsync($"/api/v1/advisories/{advisory.Id}", Ct)) after.StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var addAgain = await maya.PutAsync($"/api/v1/advisories/{advisory.Id}/tenants/{Fabrikam}", null, Ct)) addAgain.StatusCode.ShouldBe(HttpStatusCode.OK);

        using (var remove = await maya.DeleteAsync($"/api/v1/advisories/{advisory.Id}/tenants/{Northwind}", Ct)) remove.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await app.TargetsAsync(advisory.Id)).ShouldNotContain(Northwind);
        using (var gone = await olivia.GetAsync($"/api/v1/advisories/{advisory.Id}", Ct)) gone.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await maya.InboxAsync($"advisoryId={advisory.Id}")).Select(i => i.TenantId).ShouldNotContain(Northwind);
        using (var removeAgain = await maya.DeleteAsync($"/api/v1/advisories/{advisory.Id}/tenants/{Northwind}", Ct)) removeAgain.StatusCode.ShouldBe(HttpStatusCode.NoContent);

        // A provider edit that retargets (a region added) keeps the MSP's decisions: the overrides win over the subscriptions.
        var grace = await app.ClientForAsync("grace@nimbuscloud.example");
        using (var edit = await grace.PutAsJsonAsync($"/api/v1/advisories/{advisory.Id}", new
        {
            title = advisory.Title, severity = "Sev2", impact = advisory.Impact, serviceIds = advisory.Services.Select(s => s.Id).ToArray(),
            regions = BothRegions,
        }, Ct)) edit.StatusCode.ShouldBe(HttpStatusCode.OK);
        var targets = await app.TargetsAsync(advisory.Id);
        targets.ShouldContain(Fabrikam);
        targets.ShouldContain(Woodgrove);
        targets.ShouldNotContain(Northwind);

        // Put back: the tenant is a target again.
        using (var back = await maya.PutAsync($"/api/v1/advisories/{advisory.Id}/tenants/{Northwind}", null, Ct)) back.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await app.TargetsAsync(advisory.Id)).ShouldContain(Northwind);
    }

    [Fact]
    public async Task Only_the_tenants_MSP_adds_or_removes_it()
    {
        var advisory = await RegionalAdvisoryAsync("Compute restarts (add/remove refusals)");
        var before = await app.TargetsAsync(advisory.Id);

        async Task Refused(string email, HttpMethod method, Guid tenantId, HttpStatusCode status)
        {
            using var response = await (await app.ClientForAsync(email)).SendRawAsync(method, $"/api/v1/advisories/{advisory.Id}/tenants/{tenantId}", null);
            await response.ReadProblemAsync(status);
        }
        await Refused(DemoDirectory.Ines, HttpMethod.Put, Fabrikam, HttpStatusCode.NotFound);
        await Refused(DemoDirectory.Ines, HttpMethod.Delete, Northwind, HttpStatusCode.NotFound);
        await Refused(DemoDirectory.Olivia, HttpMethod.Delete, Northwind, HttpStatusCode.Forbidden);
        await Refused("emma@fabrikamhealth.example", HttpMethod.Put, Fabrikam, HttpStatusCode.NotFound); // not targeted: she cannot see the advisory
        await Refused("grace@nimbuscloud.example", HttpMethod.Put, Woodgrove, HttpStatusCode.NotFound);
        await Refused(DemoDirectory.Maya, HttpMethod.Put, Guid.NewGuid(), HttpStatusCode.NotFound);
        (await app.TargetsAsync(advisory.Id)).ShouldBe(before, ignoreOrder: true);
    }
}

public sealed class AdvisoryInboxTestsOnSqlite(SqliteApp app) : AdvisoryInboxTests(app), IClassFixture<SqliteApp>;

public sealed class AdvisoryInboxTestsOnPostgreSql(PostgresApp app) : AdvisoryInboxTests(app), IClassFixture<PostgresApp>;
