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
        rows.Count.ShouldBe(harborTargets.Count + 1 + bluepeakTargets.Count);
        rows.ShouldAllBe(m => m.Audience == NotificationAudience.Msp && m.IncidentId == null && m.Channel != NotificationChannel.Email);
        app.Smtp.Received.ShouldNotContain(m => (m.Subject ?? "").Contains(run, StringComparison.Ordinal));

        // An update of the advisory is not a second alert: it reaches the incidents the MSPs open from it (incident.customer_update).
        await priya.PostUpdateAsync(advisory.Id, "Identified", "Roll back channel file 291.");
        (await app.QueryAsync(db => db.OutboxMessages.CountAsync(m => m.Event == NotificationEvent.AdvisoryPublished && m.Payload.Contains(advisory.Id.ToString()), Ct)))
            .ShouldBe(rows.Count);
    }
}
