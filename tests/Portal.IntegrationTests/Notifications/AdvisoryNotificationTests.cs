using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain;
using Portal.IntegrationTests.Advisories;

namespace Portal.IntegrationTests.Notifications;

/// <summary>
/// A provider's new advisory reaches the MSPs through their own webhooks and Teams channels, not only an open browser: one signed
/// POST per targeted tenant to the endpoints of the MSP that manages it, MSP audience, never another MSP's endpoint and never a
/// customer's inbox.
/// </summary>
public sealed class AdvisoryNotificationTests(NotificationsApp app) : IClassFixture<NotificationsApp>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_published_advisory_reaches_the_endpoints_of_each_targeted_tenants_msp_one_per_tenant_and_nobody_else()
    {
        var harbor = app.Demo.Org(NotificationWire.Harbor).Id;
        var bluepeak = app.Demo.Org(NotificationWire.Bluepeak).Id;
        var run = Guid.NewGuid().ToString("N")[..8];
        var harborHook = await (await app.ClientForAsync(DemoDirectory.Liam)).CreateEndpointAsync(harbor, "Webhook", $"pager {run}", app.Receiver.Url($"/harbor-{run}"));
        var harborTeams = await (await app.ClientForAsync(DemoDirectory.Liam)).CreateEndpointAsync(harbor, "Teams", $"ops {run}", app.Receiver.Url($"/harbor-teams-{run}"),
            app.Demo.TenantId(DemoDirectory.Northwind));
        var bluepeakHook = await (await app.ClientForAsync(DemoDirectory.Jonas)).CreateEndpointAsync(bluepeak, "Webhook", $"pager {run}", app.Receiver.Url($"/bluepeak-{run}"));

        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var sensor = await priya.ServiceAsync(AdvisoryApi.SensorService);
        var advisory = await priya.PublishAsync(app.Demo.Org("Sentinel Shield Security").Id, $"Sensor 7.11 boot loop ({run})", [sensor.Id]);
        var targets = await app.TargetsAsync(advisory.Id);
        var managed = await app.QueryAsync(db => db.Contracts.Where(c => c.State == ContractState.Active && (c.MspId == harbor || c.MspId == bluepeak))
            .Select(c => new { c.MspId, c.CustomerId }).ToListAsync(Ct));
        var harborTargets = managed.Where(c => c.MspId == harbor && targets.Contains(c.CustomerId)).Select(c => c.CustomerId).ToHashSet();
        var bluepeakTargets = managed.Where(c => c.MspId == bluepeak && targets.Contains(c.CustomerId)).Select(c => c.CustomerId).ToHashSet();
        harborTargets.Count.ShouldBeGreaterThan(1, "the demo's sensor subscribers include several of Harbor's tenants");
        bluepeakTargets.ShouldNotBeEmpty();

        // Harbor's all-tenants webhook: one signed POST per targeted tenant of Harbor's, each naming its tenant and the advisory.
        await app.Receiver.WaitForAsync($"/harbor-{run}", _ => app.Receiver.At($"/harbor-{run}").Count >= harborTargets.Count, Wait, "one per Harbor tenant");
        var received = app.Receiver.At($"/harbor-{run}");
        received.Count.ShouldBe(harborTargets.Count);
        foreach (var request in received)
        {
            request.Header("Portal-Event").ShouldBe("advisory.published");
            WebhookReceiver.Verify(request, harborHook.Secret!, app.Clock.GetUtcNow(), TimeSpan.FromMinutes(5)).ShouldBeTrue("signed like every webhook");
            using var body = JsonDocument.Parse(request.Body);
            var root = body.RootElement;
            root.GetProperty("event").GetString().ShouldBe("advisory.published");
            root.GetProperty("audience").GetString().ShouldBe("Msp");
            root.GetProperty("incident").ValueKind.ShouldBe(JsonValueKind.Null);
            root.GetProperty("advisory").GetProperty("id").GetGuid().ShouldBe(advisory.Id);
            root.GetProperty("advisory").GetProperty("provider").GetString().ShouldBe("Sentinel Shield Security");
            root.GetProperty("advisory").GetProperty("severity").GetString().ShouldBe("Sev1");
            root.GetProperty("text").GetString().ShouldBe(advisory.Impact);
        }
        received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("tenant").GetProperty("id").GetGuid()).ShouldBe(harborTargets, ignoreOrder: true);

        // Harbor's Teams channel for Northwind alone: one card, for Northwind.
        var card = await app.Receiver.WaitForAsync($"/harbor-teams-{run}", _ => true, Wait, "the Teams card");
        card.Body.ShouldContain($"[Advisory] Sev1 from Sentinel Shield Security for Northwind Airways: {advisory.Title}");

        // Bluepeak's webhook: only Bluepeak's tenants; never one of Harbor's.
        await app.Receiver.WaitForAsync($"/bluepeak-{run}", _ => app.Receiver.At($"/bluepeak-{run}").Count >= bluepeakTargets.Count, Wait, "one per Bluepeak tenant");
        app.Receiver.At($"/bluepeak-{run}").Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("tenant").GetProperty("id").GetGuid())
            .ShouldBe(bluepeakTargets, ignoreOrder: true);

        // MSP audience: no email to anyone, and the outbox rows carry no incident.
        var rows = await app.QueryAsync(db => db.OutboxMessages.Where(m => m.Event == NotificationEvent.AdvisoryPublished && m.Payload.Contains(advisory.Id.ToString()))
            .ToListAsync(Ct));
        // Counted on this test's endpoints: another test of the class may have left endpoints of its own that carry these tenants.
        var mine = new[] { harborHook.Endpoint.Id, harborTeams.Endpoint.Id, bluepeakHook.Endpoint.Id };
        rows.Count(m => m.EndpointId is { } id && mine.Contains(id)).ShouldBe(harborTargets.Count + 1 + bluepeakTargets.Count);
        rows.ShouldAllBe(m => m.Audience == NotificationAudience.Msp && m.IncidentId == null && m.Channel != NotificationChannel.Email);
        app.Smtp.Received.ShouldNotContain(m => (m.Subject ?? "").Contains(run, StringComparison.Ordinal));

        // An update of the advisory is not a second alert: it reaches the incidents the MSPs open from it (incident.customer_update).
        await priya.PostUpdateAsync(advisory.Id, "Identified", "Roll back channel file 291.");
        (await app.QueryAsync(db => db.OutboxMessages.CountAsync(m => m.Event == NotificationEvent.AdvisoryPublished && m.Payload.Contains(advisory.Id.ToString()), Ct)))
            .ShouldBe(rows.Count);
    }

    [Fact]
    public async Task A_tenant_that_a_new_subscription_makes_a_target_is_told_through_its_msps_endpoints_and_an_msps_own_override_is_not()
    {
        var harbor = app.Demo.Org(NotificationWire.Harbor).Id;
        var run = Guid.NewGuid().ToString("N")[..8];
        await (await app.ClientForAsync(DemoDirectory.Liam)).CreateEndpointAsync(harbor, "Webhook", $"later {run}", app.Receiver.Url($"/later-{run}"));
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var sentinel = app.Demo.Org("Sentinel Shield Security").Id;
        ProviderServiceDto service;
        using (var registered = await priya.PostJsonAsync($"/api/v1/providers/{sentinel}/services", new { name = $"Shield Cloud Console {run}", kind = "CloudService" }))
            service = await registered.ReadAsync<ProviderServiceDto>(HttpStatusCode.Created);

        // Nobody uses the new service yet: its advisory targets nobody and tells nobody.
        var advisory = await priya.PublishAsync(sentinel, $"Console sign-in fails ({run})", [service.Id]);
        (await app.TargetsAsync(advisory.Id)).ShouldBeEmpty();
        Task<List<OutboxMessage>> RowsAsync() => app.QueryAsync(db => db.OutboxMessages
            .Where(m => m.Event == NotificationEvent.AdvisoryPublished && m.Payload.Contains(advisory.Id.ToString())).ToListAsync(Ct));
        (await RowsAsync()).ShouldBeEmpty();

        // Northwind's MSP says Northwind uses it: the open advisory now targets Northwind, and Harbor's pager hears of it.
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        using (var subscribed = await maya.PostJsonAsync($"/api/v1/tenants/{northwind}/subscriptions", new { serviceId = service.Id }))
            subscribed.StatusCode.ShouldBe(HttpStatusCode.Created, await subscribed.Content.ReadAsStringAsync(Ct));
        var request = await app.Receiver.WaitForAsync($"/later-{run}", _ => true, Wait, "the advisory, for Northwind");
        using (var body = JsonDocument.Parse(request.Body))
        {
            body.RootElement.GetProperty("event").GetString().ShouldBe("advisory.published");
            body.RootElement.GetProperty("tenant").GetProperty("id").GetGuid().ShouldBe(northwind);
            body.RootElement.GetProperty("advisory").GetProperty("id").GetGuid().ShouldBe(advisory.Id);
        }

        // Harbor adds another of its tenants by hand: its own doing, no alert to its own pager.
        var fabrikam = app.Demo.MspTenantsOf(DemoDirectory.Maya).First(t => t != northwind);
        using (var added = await maya.SendRawAsync(HttpMethod.Put, $"/api/v1/advisories/{advisory.Id}/tenants/{fabrikam}", null, null))
            added.StatusCode.ShouldBe(HttpStatusCode.OK, await added.Content.ReadAsStringAsync(Ct));
        (await app.TargetsAsync(advisory.Id)).ShouldBe([northwind, fabrikam], ignoreOrder: true);
        // One row per Harbor endpoint that carries Northwind (other tests of this class registered some too), none for the other tenant.
        (await RowsAsync()).Select(r => r.TenantId).Distinct().ShouldBe([northwind]);
        app.Receiver.At($"/later-{run}").Count.ShouldBe(1);
    }
}
