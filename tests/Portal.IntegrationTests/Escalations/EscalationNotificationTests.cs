using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain;
using Portal.IntegrationTests.Notifications;

namespace Portal.IntegrationTests.Escalations;

/// <summary>
/// An escalation reaches people through the outbox, committed with it: an email to each person the level targets (named users,
/// role members, whoever is on call) and a message to the channels (endpoints) it names — MSP audience only: never a customer's
/// subscriber, never an endpoint the level does not name. Delivery itself is the outbox's (tests in Notifications).
/// </summary>
public sealed class EscalationNotificationTests(EscalationSqliteApp app) : IClassFixture<EscalationSqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] Sev1And2 = ["Sev1", "Sev2"];
    private static readonly string[] Leads = ["MspLead"];
    private static readonly string[] Pager = ["pager"];

    [Fact]
    public async Task A_level_emails_its_people_and_posts_to_the_channels_it_names_and_never_to_the_customer()
    {
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        await liam.CreateEndpointAsync(app.HarborId, "Webhook", "Pager", "http://127.0.0.1:9/pager");
        await liam.CreateEndpointAsync(app.HarborId, "Webhook", "psa", "http://127.0.0.1:9/psa");
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        using (var subscribe = await olivia.SendRawAsync(HttpMethod.Put, $"/api/v1/tenants/{northwind}/email-subscriptions",
                   JsonSerializer.Serialize(new { userId = app.Demo.User(DemoDirectory.Olivia).Id, severities = Sev1And2, statusChanges = true, customerUpdates = true })))
            subscribe.StatusCode.ShouldBe(HttpStatusCode.OK);

        var maya = app.Demo.User(DemoDirectory.Maya).Id;
        var policy = JsonSerializer.Serialize(new
        {
            targets = new object[]
            {
                new { severity = "Sev1", acknowledgeMinutes = 10, resolveMinutes = 120 },
                new { severity = "Sev2", acknowledgeMinutes = 20, resolveMinutes = 240 },
                new { severity = "Sev3", acknowledgeMinutes = 60, resolveMinutes = 600 },
                new { severity = "Sev4", acknowledgeMinutes = 120, resolveMinutes = 1440 },
            },
            levels = new object[] { new { kind = "Acknowledge", afterMinutes = 0, userIds = new[] { maya }, roles = Leads, channels = Pager } },
        }, Api.Json);
        using (var put = await liam.SendRawAsync(HttpMethod.Put, $"/api/v1/msps/{app.HarborId}/escalation-policy", policy))
            put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync(Ct));

        var engineer = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await engineer.CreateIncidentAsync(northwind, "Nobody answers the pager", "Sev1");
        created.Dispose();
        (await app.QueryAsync(db => db.OutboxMessages.AsNoTracking().Where(m => m.IncidentId == incident.Id).ToListAsync()))
            .ShouldAllBe(m => m.Event == NotificationEvent.IncidentOpened, "the opening notifies as before; nothing escalates yet");

        app.Clock.Advance(TimeSpan.FromMinutes(11));
        await app.SweepAsync();
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await app.SweepAsync(); // a second run records nothing new, so it adds no rows either

        var rows = await app.QueryAsync(db => db.OutboxMessages.AsNoTracking()
            .Where(m => m.IncidentId == incident.Id && m.Event == NotificationEvent.Escalation).ToListAsync());
        rows.ShouldNotBeEmpty();
        rows.ShouldAllBe(m => m.Audience == NotificationAudience.Msp && m.MspId == app.HarborId && m.TenantId == northwind);
        rows.Where(m => m.Channel == NotificationChannel.Email).Select(m => m.Target).Order().ToList()
            .ShouldBe([DemoDirectory.Liam, DemoDirectory.Maya], "the named engineer and every Harbor lead, once each; not the customer's subscriber");
        rows.ShouldAllBe(m => m.SubscriptionId == null, "no subscription, so no unsubscribe link: the MSP lead changes the escalation path");
        var posted = rows.Where(m => m.Channel == NotificationChannel.Webhook).ShouldHaveSingleItem();
        posted.Target.ShouldBe("Pager", "the channel the level names (ignoring case), not every endpoint");
        using var payload = JsonDocument.Parse(posted.Payload);
        payload.RootElement.GetProperty("event").GetString().ShouldBe("incident.escalated");
        payload.RootElement.GetProperty("text").GetString().ShouldNotBeNull().ShouldContain("Escalation level 1");
    }

    [Fact]
    public async Task A_level_naming_a_channel_no_endpoint_has_is_refused_and_the_answer_lists_those_it_may_name()
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        await liam.CreateEndpointAsync(app.HarborId, "Webhook", "NOC-Bridge", "http://127.0.0.1:9/noc");
        string Policy(string channel) => JsonSerializer.Serialize(new
        {
            targets = new object[]
            {
                new { severity = "Sev1", acknowledgeMinutes = 10, resolveMinutes = 120 },
                new { severity = "Sev2", acknowledgeMinutes = 20, resolveMinutes = 240 },
                new { severity = "Sev3", acknowledgeMinutes = 60, resolveMinutes = 600 },
                new { severity = "Sev4", acknowledgeMinutes = 120, resolveMinutes = 1440 },
            },
            levels = new object[] { new { kind = "Acknowledge", afterMinutes = 0, roles = Leads, channels = new[] { channel } } },
        }, Api.Json);
        var before = await app.QueryAsync(db => db.EscalationPolicies.AsNoTracking().Where(p => p.MspId == app.HarborId).Select(p => p.UpdatedAt).SingleOrDefaultAsync());

        using (var misspelt = await liam.SendRawAsync(HttpMethod.Put, $"/api/v1/msps/{app.HarborId}/escalation-policy", Policy("noc-brigde")))
        {
            var problem = await misspelt.ReadProblemAsync(HttpStatusCode.BadRequest);
            problem.Code.ShouldBe("unknown_channel");
            problem.Detail.ShouldNotBeNull().ShouldContain("'noc-brigde'");
            problem.Detail.ShouldContain("noc-bridge");
        }
        (await app.QueryAsync(db => db.EscalationPolicies.AsNoTracking().Where(p => p.MspId == app.HarborId).Select(p => p.UpdatedAt).SingleOrDefaultAsync()))
            .ShouldBe(before, "nothing saved");
        using (var named = await liam.SendRawAsync(HttpMethod.Put, $"/api/v1/msps/{app.HarborId}/escalation-policy", Policy("noc-bridge")))
            named.StatusCode.ShouldBe(HttpStatusCode.OK, "the endpoint's name, ignoring case");
    }
}
