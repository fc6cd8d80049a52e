using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain;

namespace Portal.IntegrationTests.Notifications;

/// <summary>
/// Across MSPs and roles: MSP B can never see, change or target MSP A's endpoints or delivery log, an "all tenants" webhook of one
/// MSP never carries another MSP's tenants, and bad or refused registrations answer RFC 7807 problems.
/// </summary>
public sealed class NotificationIsolationTests(NotificationsApp app) : IClassFixture<NotificationsApp>
{
    private static readonly string[] OnlySev1 = ["Sev1"];
    private static readonly string[] Sev1And3 = ["Sev1", "Sev3"];
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Guid HarborId => app.Demo.TenantId(NotificationWire.Harbor);
    private Guid BluepeakId => app.Demo.TenantId(NotificationWire.Bluepeak);

    [Fact]
    public async Task A_webhook_for_all_tenants_carries_only_its_own_MSPs_tenants()
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var jonas = await app.ClientForAsync(DemoDirectory.Jonas);
        await liam.CreateEndpointAsync(HarborId, "Webhook", "harbor all", app.Receiver.Url("/harbor-all"));
        await jonas.CreateEndpointAsync(BluepeakId, "Webhook", "bluepeak all", app.Receiver.Url("/bluepeak-all"));

        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var ines = await app.ClientForAsync(DemoDirectory.Ines);
        var (northwind, r1) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), "Harbor side " + Guid.NewGuid().ToString("N")[..6], "Sev2");
        r1.Dispose();
        var (woodgrove, r2) = await ines.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Woodgrove), "Bluepeak side " + Guid.NewGuid().ToString("N")[..6], "Sev2");
        r2.Dispose();

        await app.Receiver.WaitForAsync("/harbor-all", r => r.Body.Contains(northwind.Reference, StringComparison.Ordinal), Wait, "Harbor's tenant");
        await app.Receiver.WaitForAsync("/bluepeak-all", r => r.Body.Contains(woodgrove.Reference, StringComparison.Ordinal), Wait, "Bluepeak's tenant");
        // Both changes are delivered everywhere they go before looking for what must not be there.
        await app.WaitForAttemptsAsync(northwind.Id, a => a.Count > 0 && a.All(x => x.Outcome == DeliveryOutcome.Delivered), Wait, "Northwind's deliveries");
        await app.WaitForAttemptsAsync(woodgrove.Id, a => a.Count > 0 && a.All(x => x.Outcome == DeliveryOutcome.Delivered), Wait, "Woodgrove's deliveries");

        var harborTenants = app.Demo.MspTenantsOf(DemoDirectory.Liam);
        var bluepeakTenants = app.Demo.MspTenantsOf(DemoDirectory.Jonas);
        foreach (var request in app.Receiver.At("/harbor-all"))
        {
            using var body = JsonDocument.Parse(request.Body);
            harborTenants.ShouldContain(body.RootElement.GetProperty("tenant").GetProperty("id").GetGuid(), "Harbor's webhook carried another MSP's tenant");
        }
        foreach (var request in app.Receiver.At("/bluepeak-all"))
        {
            using var body = JsonDocument.Parse(request.Body);
            bluepeakTenants.ShouldContain(body.RootElement.GetProperty("tenant").GetProperty("id").GetGuid(), "Bluepeak's webhook carried another MSP's tenant");
        }
        app.Receiver.At("/bluepeak-all").ShouldNotContain(r => r.Body.Contains(northwind.Reference, StringComparison.Ordinal));
        app.Receiver.At("/harbor-all").ShouldNotContain(r => r.Body.Contains(woodgrove.Reference, StringComparison.Ordinal));

        // The delivery logs, likewise: each lead reads its own tenants' attempts only.
        var harborLog = await (await liam.GetAsync($"/api/v1/msps/{HarborId}/notification-deliveries?limit=200", Ct)).ReadAsync<DeliveryPageDto>();
        var bluepeakLog = await (await jonas.GetAsync($"/api/v1/msps/{BluepeakId}/notification-deliveries?limit=200", Ct)).ReadAsync<DeliveryPageDto>();
        harborLog.Items.ShouldContain(d => d.IncidentId == northwind.Id);
        harborLog.Items.ShouldAllBe(d => harborTenants.Contains(d.TenantId));
        bluepeakLog.Items.ShouldContain(d => d.IncidentId == woodgrove.Id);
        bluepeakLog.Items.ShouldAllBe(d => bluepeakTenants.Contains(d.TenantId));
    }

    [Fact]
    public async Task Another_MSP_can_neither_see_nor_change_nor_target_an_MSPs_endpoints()
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var jonas = await app.ClientForAsync(DemoDirectory.Jonas);
        var harbors = await liam.CreateEndpointAsync(HarborId, "Webhook", "harbor private", app.Receiver.Url("/harbor-private"), app.Demo.TenantId(DemoDirectory.Northwind));

        using (var r = await jonas.GetAsync($"/api/v1/msps/{HarborId}/notification-endpoints", Ct)) await r.ReadProblemAsync(HttpStatusCode.NotFound);
        using (var r = await jonas.GetAsync($"/api/v1/msps/{HarborId}/notification-deliveries", Ct)) await r.ReadProblemAsync(HttpStatusCode.NotFound);
        using (var r = await jonas.PostAsync($"/api/v1/msps/{HarborId}/notification-endpoints/{harbors.Endpoint.Id}/rotate-secret", null, Ct)) await r.ReadProblemAsync(HttpStatusCode.NotFound);
        // Through his own MSP's routes Harbor's endpoint is not there either.
        using (var r = await jonas.PostAsync($"/api/v1/msps/{BluepeakId}/notification-endpoints/{harbors.Endpoint.Id}/rotate-secret", null, Ct)) await r.ReadProblemAsync(HttpStatusCode.NotFound);
        using (var r = await jonas.DeleteAsync($"/api/v1/msps/{BluepeakId}/notification-endpoints/{harbors.Endpoint.Id}", Ct)) await r.ReadProblemAsync(HttpStatusCode.NotFound);
        var own = await (await jonas.GetAsync($"/api/v1/msps/{BluepeakId}/notification-endpoints", Ct)).ReadAsync<EndpointDto[]>();
        own.ShouldAllBe(e => e.MspId == BluepeakId);
        // He cannot point a webhook at Harbor's tenant, through either MSP.
        using (var r = await jonas.PostJsonAsync($"/api/v1/msps/{BluepeakId}/notification-endpoints",
                   new { tenantId = app.Demo.TenantId(DemoDirectory.Northwind), channel = "Webhook", name = "steal", url = app.Receiver.Url("/steal") }))
            await r.ReadProblemAsync(HttpStatusCode.NotFound);
        using (var r = await jonas.PostJsonAsync($"/api/v1/msps/{HarborId}/notification-endpoints", new { channel = "Webhook", name = "steal", url = app.Receiver.Url("/steal") }))
            await r.ReadProblemAsync(HttpStatusCode.NotFound);
        (await app.QueryAsync(db => db.NotificationEndpoints.CountAsync(e => e.Name == "steal", Ct))).ShouldBe(0);
        (await app.QueryAsync(db => db.NotificationEndpoints.CountAsync(e => e.Id == harbors.Endpoint.Id, Ct))).ShouldBe(1);
    }

    [Fact]
    public async Task Roles_without_the_permission_are_refused_and_bad_registrations_are_problems()
    {
        foreach (var who in new[] { DemoDirectory.Maya, DemoDirectory.Olivia, DemoDirectory.Priya })
        {
            var client = await app.ClientForAsync(who);
            using var r = await client.PostJsonAsync($"/api/v1/msps/{HarborId}/notification-endpoints", new { channel = "Webhook", name = "x", url = app.Receiver.Url("/x") });
            await r.ReadProblemAsync(HttpStatusCode.Forbidden);
        }
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var url = $"/api/v1/msps/{HarborId}/notification-endpoints";
        using (var r = await liam.PostJsonAsync(url, new { channel = "Webhook", name = "no url" }))
            (await r.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("url");
        using (var r = await liam.PostJsonAsync(url, new { channel = "Email", name = "mail", url = app.Receiver.Url("/x") }))
            (await r.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("channel");
        using (var r = await liam.PostJsonAsync(url, new { channel = "Webhook", name = "ftp", url = "ftp://example.com/hook" }))
            (await r.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("url");
        using (var r = await liam.PostJsonAsync(url, new { channel = "Webhook", name = "", url = app.Receiver.Url("/x") }))
            (await r.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("name");
        using (var r = await liam.SendRawAsync(HttpMethod.Post, url, "{\"channel\": 1, \"name\": \"n\", \"url\": \"https://example.com\"}"))
            await r.ReadProblemAsync(HttpStatusCode.BadRequest);
        // An escalation level names its channel by endpoint name: a second endpoint of the MSP with that name (case aside) is refused;
        // another MSP may use it.
        var name = $"ops-{Guid.NewGuid():N}"[..12];
        await liam.CreateEndpointAsync(HarborId, "Webhook", name, app.Receiver.Url("/first"));
        using (var r = await liam.PostJsonAsync(url, new { channel = "Teams", name = name.ToUpperInvariant(), url = app.Receiver.Url("/second") }))
            (await r.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("duplicate_endpoint_name");
        (await (await liam.GetAsync(url, Ct)).ReadAsync<EndpointDto[]>()).Count(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase)).ShouldBe(1);
        await (await app.ClientForAsync(DemoDirectory.Jonas)).CreateEndpointAsync(BluepeakId, "Webhook", name, app.Receiver.Url("/bluepeak"));

        // Email subscriptions: the tenant's CustomerAdmin only, members of that tenant only.
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        var noah = await app.ClientForAsync(DemoDirectory.Noah);
        var hana = await app.ClientForAsync(DemoDirectory.Hana);
        var subscriptions = $"/api/v1/tenants/{northwind}/email-subscriptions";
        using (var r = await noah.GetAsync(subscriptions, Ct)) await r.ReadProblemAsync(HttpStatusCode.Forbidden);
        using (var r = await hana.GetAsync(subscriptions, Ct)) await r.ReadProblemAsync(HttpStatusCode.NotFound);
        using (var r = await olivia.SendRawAsync(HttpMethod.Put, subscriptions, JsonSerializer.Serialize(new { userId = app.Demo.User(DemoDirectory.Hana).Id, severities = OnlySev1 })))
            await r.ReadProblemAsync(HttpStatusCode.NotFound);
        using (var r = await olivia.SendRawAsync(HttpMethod.Put, subscriptions, JsonSerializer.Serialize(new { userId = app.Demo.User(DemoDirectory.Noah).Id, severities = Array.Empty<string>() })))
            (await r.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("severities");
        using (var r = await olivia.SendRawAsync(HttpMethod.Put, subscriptions, JsonSerializer.Serialize(new { userId = app.Demo.User(DemoDirectory.Noah).Id, severities = Sev1And3, statusChanges = false })))
        {
            var noahs = await r.ReadAsync<SubscriptionDto>();
            noahs.Severities.ShouldBe(["Sev1", "Sev3"]);
            (noahs.StatusChanges, noahs.CustomerUpdates).ShouldBe((false, true));
            using var gone = await olivia.DeleteAsync($"{subscriptions}/{noahs.Id}", Ct);
            gone.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }
    }

    [Fact]
    public async Task The_email_subscriptions_page_saves_and_removes_and_the_delivery_log_page_is_the_leads_own()
    {
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        var page = $"/tenants/{northwind}/email-subscriptions";
        var html = await olivia.GetStringAsync(page, Ct);
        html.ShouldContain(DemoDirectory.Noah); // a member to choose
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        token.ShouldNotBeEmpty();
        var noah = app.Demo.User(DemoDirectory.Noah).Id;
        using (var saved = await olivia.PostAsync(page + "?handler=Set", new FormUrlEncodedContent(
        [
            new("__RequestVerificationToken", token), new("UserId", noah.ToString()), new("Severities", "Sev1"), new("Severities", "Sev2"),
            new("StatusChanges", "false"), new("CustomerUpdates", "true"), new("CustomerUpdates", "false"),
        ]), Ct))
        {
            saved.StatusCode.ShouldBe(HttpStatusCode.Redirect, await saved.Content.ReadAsStringAsync(Ct));
        }
        var row = await app.QueryAsync(db => db.EmailSubscriptions.AsNoTracking().SingleAsync(s => s.TenantId == northwind && s.UserId == noah, Ct));
        row.Severities.ShouldBe([Severity.Sev1, Severity.Sev2]);
        (row.StatusChanges, row.CustomerUpdates).ShouldBe((false, true));
        (await olivia.GetStringAsync(page, Ct)).ShouldContain(DemoDirectory.Noah.Split('@')[0]);

        // Nothing chosen: the page says which field, with the API's status code.
        using (var invalid = await olivia.PostAsync(page + "?handler=Set", new FormUrlEncodedContent(
            [new("__RequestVerificationToken", token), new("UserId", noah.ToString())]), Ct))
        {
            invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await invalid.Content.ReadAsStringAsync(Ct)).ShouldContain("Choose at least one severity");
        }
        using (var removed = await olivia.PostAsync(page + "?handler=Remove", new FormUrlEncodedContent(
            [new("__RequestVerificationToken", token), new("SubscriptionId", row.Id.ToString())]), Ct))
        {
            removed.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }
        (await app.QueryAsync(db => db.EmailSubscriptions.CountAsync(s => s.Id == row.Id, Ct))).ShouldBe(0);

        // Another tenant's admin, and another MSP's lead, find nothing.
        var hana = await app.ClientForAsync(DemoDirectory.Hana);
        using (var foreign = await hana.GetAsync(page, Ct))
        {
            foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await foreign.Content.ReadAsStringAsync(Ct)).ShouldContain("No such tenant"); // said, not a blank page
        }
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var jonas = await app.ClientForAsync(DemoDirectory.Jonas);
        using (var own = await liam.GetAsync($"/msps/{HarborId}/notification-deliveries", Ct)) own.StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var foreign = await jonas.GetAsync($"/msps/{HarborId}/notification-deliveries", Ct))
        {
            foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await foreign.Content.ReadAsStringAsync(Ct)).ShouldContain("No such MSP");
        }
    }

    [Fact]
    public async Task The_endpoints_page_is_the_MSP_leads_own_another_MSP_finds_nothing_and_an_engineer_is_refused()
    {
        var page = $"/msps/{HarborId}/notification-endpoints";
        using (var own = await (await app.ClientForAsync(DemoDirectory.Liam)).GetAsync(page, Ct))
        {
            own.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await own.Content.ReadAsStringAsync(Ct)).ShouldContain("Add an endpoint");
        }
        using (var foreign = await (await app.ClientForAsync(DemoDirectory.Jonas)).GetAsync(page, Ct))
        {
            foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            var html = await foreign.Content.ReadAsStringAsync(Ct);
            html.ShouldContain("No such MSP");
            html.ShouldNotContain("Add an endpoint");
        }
        using (var engineer = await (await app.ClientForAsync(DemoDirectory.Maya)).GetAsync(page, Ct))
            engineer.StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // A refused step (a Teams endpoint has no secret to rotate: no button, but a post can ask) is a banner above the list.
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var teams = $"teams-{Guid.NewGuid():N}"[..14];
        var created = await liam.CreateEndpointAsync(HarborId, "Teams", teams, app.Receiver.Url("/teams"));
        var form = await liam.GetStringAsync(page, Ct);
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var rotate = await liam.PostAsync(page + "?handler=Rotate", new FormUrlEncodedContent(
            [new("__RequestVerificationToken", token), new("EndpointId", created.Endpoint.Id.ToString())]), Ct);
        rotate.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var answer = await rotate.Content.ReadAsStringAsync(Ct);
        answer.ShouldContain("a Teams URL is its own secret");
        answer.ShouldContain($"data-endpoint=\"{teams}\""); // the list is still there
    }
}
