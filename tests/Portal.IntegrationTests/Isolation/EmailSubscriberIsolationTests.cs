using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain;
using Portal.IntegrationTests.Advisories;
using Portal.IntegrationTests.Notifications;
using SubscriptionDto = Portal.IntegrationTests.Notifications.SubscriptionDto;

namespace Portal.IntegrationTests.Isolation;

/// <summary>
/// <c>Outbox.AddAsync</c> reads email subscriptions past the query filters (a provider's update, a background job: the actor cannot
/// read the subscribers it must notify). These tests try to make that read cross the line: subscribers of another tenant of the same
/// MSP, of another MSP's tenant, and a person who is no longer a member of the tenant get no outbox row and no mail at the real SMTP
/// server, while the tenant's own subscriber gets each one (and each other subscriber gets their own tenant's, so their silence is
/// not a broken subscription).
/// </summary>
public sealed class EmailSubscriberIsolationTests(NotificationsApp app) : IClassFixture<NotificationsApp>
{
    private const string Lucas = "lucas@tailspin.example";       // Tailspin (Harbor) CustomerAdmin
    private const string Felix = "felix@alpineskihouse.example"; // Alpine Ski House (Bluepeak) CustomerViewer
    private static readonly string[] AllSeverities = ["Sev1", "Sev2", "Sev3", "Sev4"];
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);
    private Guid Tailspin => app.Demo.TenantId("Tailspin Logistics");
    private Guid Woodgrove => app.Demo.TenantId(DemoDirectory.Woodgrove);
    private Guid Alpine => app.Demo.TenantId("Alpine Ski House");

    private static string Unique(string what) => $"{what} {Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Through the API, as the tenant's CustomerAdmin: every severity, status changes and customer updates.</summary>
    private async Task<Guid> SubscribeAsync(string admin, Guid tenantId, Guid userId)
    {
        var client = await app.ClientForAsync(admin);
        using var response = await client.SendRawAsync(HttpMethod.Put, $"/api/v1/tenants/{tenantId}/email-subscriptions",
            JsonSerializer.Serialize(new { userId, severities = AllSeverities, statusChanges = true, customerUpdates = true }));
        return (await response.ReadAsync<SubscriptionDto>()).Id;
    }

    private async Task SubscribeTheThreeAsync()
    {
        await SubscribeAsync(DemoDirectory.Olivia, Northwind, app.Demo.User(DemoDirectory.Olivia).Id);
        await SubscribeAsync(Lucas, Tailspin, app.Demo.User(Lucas).Id);
        await SubscribeAsync(DemoDirectory.Hana, Woodgrove, app.Demo.User(DemoDirectory.Hana).Id);
    }

    private Task<List<OutboxMessage>> EmailRowsAsync(Func<OutboxMessage, bool> match) => app.QueryAsync(async db =>
        (await db.OutboxMessages.AsNoTracking().Where(m => m.Channel == NotificationChannel.Email).ToListAsync(Ct)).Where(match).ToList());

    private static bool Mentions(MimeKit.MimeMessage mail, string text) =>
        (mail.Subject ?? "").Contains(text, StringComparison.Ordinal) || (mail.TextBody ?? "").Contains(text, StringComparison.Ordinal);

    private static bool To(MimeKit.MimeMessage mail, string email) =>
        mail.To.Mailboxes.Any(a => string.Equals(a.Address, email, StringComparison.OrdinalIgnoreCase));

    [Fact]
    public async Task Opening_a_status_change_and_a_customer_update_email_only_the_tenants_own_subscribers()
    {
        await SubscribeTheThreeAsync();
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var title = Unique("Check-in kiosks offline");
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, title, "Sev2", "Kiosks at two airports.");
        created.Dispose();
        await maya.ChangeStatusAsync(incident, "Acknowledged");
        var update = Unique("Replacing the kiosk switch");
        await NotificationWire.AddNoteAsync(maya, incident.Id, update, "Customer");

        // Olivia gets all three, through the real SMTP server.
        foreach (var (subject, what) in new[] { ($"[{incident.Reference}] Sev2 opened: {title}", "the opening"),
                     ($"[{incident.Reference}] Acknowledged: {title}", "the status change"), ($"[{incident.Reference}] Update: {title}", "the customer update") })
        {
            await app.Smtp.WaitForAsync(m => m.Subject == subject && To(m, DemoDirectory.Olivia), Wait, $"to Olivia about {what}");
        }
        await app.WaitForAttemptsAsync(incident.Id, a => a.Count(x => x.Channel == NotificationChannel.Email) == 3 && a.All(x => x.Outcome == DeliveryOutcome.Delivered),
            Wait, "the incident's emails delivered");

        // The oracle: the incident's email rows are Olivia's three, nobody else's.
        var rows = await EmailRowsAsync(m => m.IncidentId == incident.Id);
        rows.Select(r => r.Event).ShouldBe([NotificationEvent.IncidentOpened, NotificationEvent.IncidentStatusChanged, NotificationEvent.CustomerUpdate], ignoreOrder: true);
        rows.ShouldAllBe(r => r.Target == DemoDirectory.Olivia && r.TenantId == Northwind);
        (await EmailRowsAsync(m => m.Payload.Contains(title, StringComparison.Ordinal))).Count.ShouldBe(3, "no row of any tenant carries the incident");
        app.Smtp.Received.Where(m => Mentions(m, title)).ShouldAllBe(m => To(m, DemoDirectory.Olivia), "Lucas (same MSP) and Hana (another MSP) got none");
        app.Smtp.Received.Count(m => Mentions(m, title)).ShouldBe(3);

        // Their subscriptions work: each hears of an incident of their own tenant.
        var (tailspin, r1) = await maya.CreateIncidentAsync(Tailspin, Unique("Tailspin scanners"), "Sev3");
        r1.Dispose();
        var ines = await app.ClientForAsync(DemoDirectory.Ines);
        var (woodgrove, r2) = await ines.CreateIncidentAsync(Woodgrove, Unique("Woodgrove ATMs"), "Sev3");
        r2.Dispose();
        await app.Smtp.WaitForAsync(m => To(m, Lucas) && Mentions(m, tailspin.Reference), Wait, "to Lucas about Tailspin's incident");
        await app.Smtp.WaitForAsync(m => To(m, DemoDirectory.Hana) && Mentions(m, woodgrove.Reference), Wait, "to Hana about Woodgrove's incident");
        (await EmailRowsAsync(m => m.IncidentId == tailspin.Id)).ShouldAllBe(r => r.Target == Lucas);
        (await EmailRowsAsync(m => m.IncidentId == woodgrove.Id)).ShouldAllBe(r => r.Target == DemoDirectory.Hana);
    }

    [Fact]
    public async Task A_subscriber_who_is_no_longer_a_member_of_the_tenant_gets_nothing()
    {
        // A person of Northwind, subscribed by its admin while a member; then they move to Tailspin (same MSP): the membership goes,
        // the subscription row stays behind.
        var email = $"leaver-{Guid.NewGuid():N}"[..16] + "@northwindairways.example";
        var leaverId = await app.QueryAsync(async db =>
        {
            var northwind = await db.Organisations.SingleAsync(o => o.Id == Northwind, Ct);
            var user = new User(Guid.NewGuid(), "Lee Leaver", email, northwind.EntraTenantId!.Value, Guid.NewGuid());
            user.Join(northwind, Role.CustomerViewer);
            db.Users.Add(user);
            await db.SaveChangesAsync(Ct);
            return user.Id;
        });
        var subscriptionId = await SubscribeAsync(DemoDirectory.Olivia, Northwind, leaverId);
        await SubscribeAsync(DemoDirectory.Olivia, Northwind, app.Demo.User(DemoDirectory.Olivia).Id);

        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var before = Unique("Baggage belts slow");
        var (whileMember, r0) = await maya.CreateIncidentAsync(Northwind, before, "Sev1");
        r0.Dispose();
        await app.Smtp.WaitForAsync(m => To(m, email) && Mentions(m, before), Wait, "to the member while still a member");

        await app.QueryAsync(async db =>
        {
            var membership = await db.Memberships.SingleAsync(m => m.UserId == leaverId && m.OrganisationId == Northwind, Ct);
            db.Memberships.Remove(membership);
            var tailspin = await db.Organisations.SingleAsync(o => o.Id == Tailspin, Ct);
            var user = await db.Users.Include(u => u.Memberships).SingleAsync(u => u.Id == leaverId, Ct);
            user.Join(tailspin, Role.CustomerViewer);
            await db.SaveChangesAsync(Ct);
            return true;
        });
        (await app.QueryAsync(db => db.EmailSubscriptions.CountAsync(s => s.Id == subscriptionId, Ct))).ShouldBe(1, "the row stays; only the membership went");

        var after = Unique("Boarding gates down");
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, after, "Sev1");
        created.Dispose();
        await maya.ChangeStatusAsync(incident, "Acknowledged");
        var update = Unique("Gate update");
        await NotificationWire.AddNoteAsync(maya, incident.Id, update, "Customer");
        await app.Smtp.WaitForAsync(m => To(m, DemoDirectory.Olivia) && Mentions(m, update), Wait, "to Olivia about the update (the control)");
        await app.WaitForAttemptsAsync(incident.Id, a => a.Count(x => x.Channel == NotificationChannel.Email) == 3 && a.All(x => x.Outcome == DeliveryOutcome.Delivered),
            Wait, "the incident's emails delivered");

        (await EmailRowsAsync(m => m.IncidentId == incident.Id)).ShouldAllBe(r => r.Target == DemoDirectory.Olivia);
        (await EmailRowsAsync(m => m.SubscriptionId == subscriptionId)).Select(r => r.IncidentId).ShouldBe([whileMember.Id], "one email, from while they were a member");
        app.Smtp.Received.ShouldNotContain(m => To(m, email) && Mentions(m, after));
    }

    [Fact]
    public async Task A_providers_update_reaching_one_tenant_emails_only_that_tenants_subscribers()
    {
        await SubscribeTheThreeAsync();
        // Alpine has no CustomerAdmin to subscribe Felix: the row is written directly (what the admin's command would write).
        await app.QueryAsync(async db =>
        {
            if (!await db.EmailSubscriptions.AnyAsync(s => s.TenantId == Alpine, Ct))
            {
                var felix = app.Demo.User(Felix);
                db.EmailSubscriptions.Add(new EmailSubscription(Guid.NewGuid(), Alpine, felix.Id, felix.Email, felix.Name,
                    [Severity.Sev1, Severity.Sev2, Severity.Sev3, Severity.Sev4], true, true, app.Clock.GetUtcNow()));
                await db.SaveChangesAsync(Ct);
            }
            return true;
        });

        // West Europe targets Northwind and Tailspin (Harbor) and Alpine (Bluepeak); Harbor links an incident for Northwind only.
        var grace = await app.ClientForAsync("grace@nimbuscloud.example");
        var nimbus = app.Demo.Org("Nimbus Cloud").Id;
        var advisory = await grace.PublishAsync(nimbus, Unique("Compute hosts restarting"), [(await grace.ServiceAsync(AdvisoryApi.ComputeService)).Id], ["westeurope"], "Sev2");
        (await app.TargetsAsync(advisory.Id)).ShouldBe([Northwind, Tailspin, Alpine], ignoreOrder: true);
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var fannedOut = await maya.FanOutAsync(advisory.Id, new { tenantIds = new[] { Northwind } });
        var linked = fannedOut.Tenants.Single(t => t.TenantId == Northwind).IncidentId!.Value;
        fannedOut.Tenants.Where(t => t.IncidentId is not null).Select(t => t.TenantId).ShouldBe([Northwind]);

        var text = Unique("Root cause: host firmware");
        await grace.PostUpdateAsync(advisory.Id, "Identified", text);

        await app.Smtp.WaitForAsync(m => To(m, DemoDirectory.Olivia) && Mentions(m, text), Wait, "to Olivia with the provider's update");
        await app.WaitForAttemptsAsync(linked, a => a.Any(x => x.Channel == NotificationChannel.Email && x.Outcome == DeliveryOutcome.Delivered)
                                                    && a.All(x => x.Outcome == DeliveryOutcome.Delivered), Wait, "the linked incident's emails delivered");

        var rows = await EmailRowsAsync(m => m.Payload.Contains(text, StringComparison.Ordinal));
        rows.ShouldHaveSingleItem().Target.ShouldBe(DemoDirectory.Olivia);
        rows.Single().TenantId.ShouldBe(Northwind);
        rows.Single().IncidentId.ShouldBe(linked);
        app.Smtp.Received.Where(m => Mentions(m, text)).ShouldAllBe(m => To(m, DemoDirectory.Olivia),
            "Tailspin (targeted, same MSP), Alpine (targeted, another MSP) and Woodgrove (not targeted) are told nothing by email");
        app.Smtp.Received.Count(m => Mentions(m, text)).ShouldBe(1);
    }
}
