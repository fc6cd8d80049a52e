using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain;
using Portal.Features.Notifications;

namespace Portal.IntegrationTests.Notifications;

/// <summary>
/// The outbox end to end on the embedded default: a change commits its outbox rows, Hangfire delivers them to a real SMTP server
/// and a real HTTP receiver on loopback, failures are retried with back-off on the FakeTimeProvider's clock (moved, not waited
/// for), and every try is in the delivery log.
/// </summary>
public sealed partial class NotificationDeliveryTests(NotificationsApp app) : IClassFixture<NotificationsApp>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);
    private Guid HarborId => app.Demo.TenantId(NotificationWire.Harbor);

    private async Task SubscribeOliviaAsync(params string[] severities)
    {
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        using var response = await olivia.SendRawAsync(HttpMethod.Put, $"/api/v1/tenants/{Northwind}/email-subscriptions",
            JsonSerializer.Serialize(new { userId = app.Demo.User(DemoDirectory.Olivia).Id, severities, statusChanges = true, customerUpdates = true }));
        var subscription = await response.ReadAsync<SubscriptionDto>();
        subscription.Email.ShouldBe(DemoDirectory.Olivia);
    }

    [Fact]
    public async Task An_email_reaches_a_subscriber_through_a_real_SMTP_server_and_its_unsubscribe_link_works_without_signing_in()
    {
        await SubscribeOliviaAsync("Sev1", "Sev2");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, "Email outage " + Guid.NewGuid().ToString("N")[..6], "Sev2", "Mail is slow.");
        created.Dispose();

        var mail = await app.Smtp.WaitForAsync(m => (m.Subject ?? "").Contains(incident.Reference, StringComparison.Ordinal), Wait, $"for {incident.Reference}");
        mail.To.Mailboxes.Single().Address.ShouldBe(DemoDirectory.Olivia);
        mail.Subject.ShouldBe($"[{incident.Reference}] Sev2 opened: {incident.Title}");
        (mail.TextBody ?? "").ShouldContain("Mail is slow.");
        mail.MessageId.ShouldStartWith((await app.OutboxAsync(incident.Id)).Single(m => m.Channel == NotificationChannel.Email).Id.ToString("N"));
        mail.Headers["List-Unsubscribe"].ShouldNotBeNull();

        // A severity she did not choose writes no email at all.
        var (sev4, sev4Response) = await maya.CreateIncidentAsync(Northwind, "Printer toner low", "Sev4");
        sev4Response.Dispose();
        (await app.OutboxAsync(sev4.Id)).ShouldNotContain(m => m.Channel == NotificationChannel.Email);

        var link = UnsubscribeLink().Match(mail.TextBody ?? "");
        link.Success.ShouldBeTrue(mail.TextBody ?? "(no text body)");
        var path = link.Groups[1].Value;
        var token = Uri.UnescapeDataString(path[(path.IndexOf("token=", StringComparison.Ordinal) + 6)..]);
        using var anonymous = app.Anonymous();

        // Tampered: one character changed.
        var tampered = token[..^3] + (token[^3] == 'A' ? 'B' : 'A') + token[^2..];
        using (var refused = await anonymous.GetAsync(UnsubscribeLinks.Path + "?token=" + Uri.EscapeDataString(tampered), Ct))
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        // Expired: the same subscription, a link whose time is up by Portal's clock (UnsubscribeLinkTests moves the clock past a real link's).
        var subscriptionId = await app.QueryAsync(db => db.EmailSubscriptions.Where(s => s.TenantId == Northwind && s.Email == DemoDirectory.Olivia).Select(s => s.Id).SingleAsync(Ct));
        var expired = app.Services.GetRequiredService<UnsubscribeLinks>().TokenFor(subscriptionId, app.Clock.GetUtcNow().AddMinutes(-1));
        using (var refused = await anonymous.GetAsync(UnsubscribeLinks.Path + "?token=" + Uri.EscapeDataString(expired), Ct))
            refused.StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await app.QueryAsync(db => db.EmailSubscriptions.CountAsync(s => s.Id == subscriptionId, Ct))).ShouldBe(1, "a refused link changes nothing");

        using (var asked = await anonymous.GetAsync(path, Ct))
            (await asked.Content.ReadAsStringAsync(Ct)).ShouldContain("Stop incident emails?");
        (await app.QueryAsync(db => db.EmailSubscriptions.CountAsync(s => s.Id == subscriptionId, Ct))).ShouldBe(1, "opening the link only asks");
        using (var done = await anonymous.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" }), Ct))
        {
            done.StatusCode.ShouldBe(HttpStatusCode.OK, await done.Content.ReadAsStringAsync(Ct));
            (await done.Content.ReadAsStringAsync(Ct)).ShouldContain("Unsubscribed");
        }
        (await app.QueryAsync(db => db.EmailSubscriptions.CountAsync(s => s.Id == subscriptionId, Ct))).ShouldBe(0);
        await maya.ChangeStatusAsync(incident, "Acknowledged");
        (await app.OutboxAsync(incident.Id)).Count(m => m.Channel == NotificationChannel.Email).ShouldBe(1, "no email after unsubscribing");
    }

    [Fact]
    public async Task A_severity_raised_to_one_a_subscriber_chose_mails_them_and_every_change_reaches_the_msps_endpoint()
    {
        // Olivia gets Sev1 mail only; Harbor's endpoint for Northwind gets everything.
        await SubscribeOliviaAsync("Sev1");
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        await liam.CreateEndpointAsync(HarborId, "Webhook", "severity-" + Guid.NewGuid().ToString("N")[..6], app.Receiver.Url("/severity"), Northwind);
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, response) = await maya.CreateIncidentAsync(Northwind, "Raised " + Guid.NewGuid().ToString("N")[..6], "Sev3");
        response.Dispose();
        (await app.OutboxAsync(incident.Id)).ShouldNotContain(m => m.Channel == NotificationChannel.Email && m.Target == DemoDirectory.Olivia, "a Sev3 is not hers");

        using (var raised = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/severity", new { severity = "Sev1" }))
            raised.StatusCode.ShouldBe(HttpStatusCode.OK);
        var mail = await app.Smtp.WaitForAsync(m => (m.Subject ?? "").Contains(incident.Reference, StringComparison.Ordinal)
            && m.To.Mailboxes.Single().Address == DemoDirectory.Olivia, Wait, "the raised incident's mail to Olivia");
        mail.Subject.ShouldBe($"[{incident.Reference}] Now Sev1: {incident.Title}");
        (mail.TextBody ?? "").ShouldContain("Severity changed from Sev3 to Sev1");
        var hook = await app.Receiver.WaitForAsync("/severity", r => r.Header("Portal-Event") == "incident.severity_changed" && r.Body.Contains(incident.Reference, StringComparison.Ordinal),
            Wait, "the endpoint hears of the change");
        using (var body = JsonDocument.Parse(hook.Body))
            body.RootElement.GetProperty("incident").GetProperty("severity").GetString().ShouldBe("Sev1");

        // Lowered to Sev2: the endpoint hears of it; Olivia, who gets Sev1 only, does not.
        using (var lowered = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/severity", new { severity = "Sev2" }))
            lowered.StatusCode.ShouldBe(HttpStatusCode.OK);
        await app.Receiver.WaitForAsync("/severity", r => r.Header("Portal-Event") == "incident.severity_changed" && r.Body.Contains(incident.Reference, StringComparison.Ordinal)
            && r.Body.Contains("\"Sev2\"", StringComparison.Ordinal), Wait, "the endpoint hears of the lowering");
        (await app.OutboxAsync(incident.Id)).Count(m => m.Channel == NotificationChannel.Email && m.Target == DemoDirectory.Olivia).ShouldBe(1, "no mail for a severity she did not choose");
    }

    [Fact]
    public async Task An_internal_note_never_reaches_a_customer_or_any_channel_and_a_customer_update_does()
    {
        await SubscribeOliviaAsync("Sev1", "Sev2", "Sev3", "Sev4");
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        await liam.CreateEndpointAsync(HarborId, "Webhook", "internal-note check", app.Receiver.Url("/internal-check"), Northwind);
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, "VPN down " + Guid.NewGuid().ToString("N")[..6], "Sev3");
        created.Dispose();

        var secret = "root-cause-" + Guid.NewGuid().ToString("N")[..8];
        var update = "customer-update-" + Guid.NewGuid().ToString("N")[..8];
        await maya.AddNoteAsync(incident.Id, $"Internal: {secret} is the culprit", "Internal");
        await maya.AddNoteAsync(incident.Id, $"We are restarting the gateway ({update}).", "Customer");

        await app.Smtp.WaitForAsync(m => (m.TextBody ?? "").Contains(update, StringComparison.Ordinal), Wait, "with the customer update");
        await app.Receiver.WaitForAsync("/internal-check", r => r.Body.Contains(update, StringComparison.Ordinal), Wait, "with the customer update");
        app.Smtp.Received.ShouldNotContain(m => (m.TextBody ?? "").Contains(secret, StringComparison.Ordinal) || (m.Subject ?? "").Contains(secret, StringComparison.Ordinal));
        app.Receiver.Requests.ShouldNotContain(r => r.Body.Contains(secret, StringComparison.Ordinal));
        // The oracle: nothing of the internal note was ever written to the outbox, for any channel.
        var rows = await app.OutboxAsync(incident.Id);
        rows.ShouldNotContain(m => m.Payload.Contains(secret, StringComparison.Ordinal));
        rows.Count(m => m.Event == NotificationEvent.CustomerUpdate && (m.Channel == NotificationChannel.Email || m.Target == "internal-note check"))
            .ShouldBe(2, "the customer update: one email, one webhook (the internal note: none)");
    }

    [Fact]
    public async Task The_fast_path_job_of_one_commit_also_delivers_what_else_is_due_each_message_once()
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var created = await liam.CreateEndpointAsync(HarborId, "Webhook", "burst", app.Receiver.Url("/burst"), Northwind);
        var now = app.Clock.GetUtcNow();
        var ids = await app.QueryAsync(async db =>
        {
            var incidentId = await db.Incidents.Where(i => i.TenantId == Northwind).Select(i => i.Id).FirstAsync(Ct);
            var rows = Enumerable.Range(1, 5).Select(n => new OutboxMessage(Guid.CreateVersion7(now), Northwind, HarborId, incidentId, NotificationEvent.CustomerUpdate,
                NotificationAudience.Customer, NotificationChannel.Webhook, "burst", created.Endpoint.Id, null, $"{{\"burst\":{n}}}", now)).ToList();
            db.OutboxMessages.AddRange(rows); // pending, with no job of their own (as a burst's later commits wait for theirs)
            await db.SaveChangesAsync(Ct);
            return rows.Select(r => r.Id).ToArray();
        });

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var delivered = await scope.ServiceProvider.GetRequiredService<OutboxSweep>().DeliverThenSweepAsync([ids[0]], Ct);
            delivered.ShouldBeGreaterThanOrEqualTo(5, "the job named one message and delivered the four others due too");
        }
        (await app.QueryAsync(db => db.OutboxMessages.Where(m => ids.Contains(m.Id)).Select(m => m.Status).ToListAsync(Ct))).ShouldAllBe(s => s == OutboxStatus.Delivered);
        for (var n = 1; n <= 5; n++)
        {
            var body = $"{{\"burst\":{n}}}";
            await app.Receiver.WaitForAsync("/burst", r => r.Body == body, Wait, $"message {n}");
        }
        app.Receiver.At("/burst").Count.ShouldBe(5, "each message once");
    }

    private async Task<Guid[]> PendingMessagesAsync(Guid endpointId, string name, int count)
    {
        var now = app.Clock.GetUtcNow();
        return await app.QueryAsync(async db =>
        {
            var incidentId = await db.Incidents.Where(i => i.TenantId == Northwind).Select(i => i.Id).FirstAsync(Ct);
            var rows = Enumerable.Range(1, count).Select(n => new OutboxMessage(Guid.CreateVersion7(now), Northwind, HarborId, incidentId, NotificationEvent.CustomerUpdate,
                NotificationAudience.Customer, NotificationChannel.Webhook, name, endpointId, null, $"{{\"{name}\":{n}}}", now)).ToList();
            db.OutboxMessages.AddRange(rows);
            await db.SaveChangesAsync(Ct);
            return rows.Select(r => r.Id).ToArray();
        });
    }

    [Fact]
    public async Task A_message_that_cannot_be_sent_is_a_failed_try_and_the_messages_after_it_still_go_out()
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var lost = await liam.CreateEndpointAsync(HarborId, "Webhook", "lost-keys", app.Receiver.Url("/lost-keys"), Northwind);
        var fine = await liam.CreateEndpointAsync(HarborId, "Webhook", "after-lost", app.Receiver.Url("/after-lost"), Northwind);
        // As after a restore without the data-protection keys: the stored secret no longer opens.
        await app.QueryAsync(db => db.NotificationEndpoints.Where(e => e.Id == lost.Endpoint.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.ProtectedSecret, "CfDJ8not-a-payload-these-keys-made"), Ct));
        var broken = (await PendingMessagesAsync(lost.Endpoint.Id, "lost", 1)).Single();
        var others = await PendingMessagesAsync(fine.Endpoint.Id, "fine", 2);

        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<OutboxDelivery>().DeliverAsync([broken, .. others], Ct);

        app.Receiver.At("/after-lost").Count.ShouldBe(2, "the batch went on past the message that could not be signed");
        var message = await app.QueryAsync(db => db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Id == broken, Ct));
        (message.Status, message.LeaseToken).ShouldBe((OutboxStatus.Pending, (Guid?)null), "settled as a try to repeat later, not left claimed");
        message.NextAttemptAt.ShouldBeGreaterThan(app.Clock.GetUtcNow());
        var attempt = await app.QueryAsync(db => db.DeliveryAttempts.AsNoTracking().SingleAsync(a => a.MessageId == broken, Ct));
        attempt.Outcome.ShouldBe(DeliveryOutcome.Retrying);
        attempt.Error.ShouldNotBeNull().ShouldStartWith("Portal could not send it (");
        app.Receiver.At("/lost-keys").ShouldBeEmpty();
    }

    [Fact]
    public async Task A_batch_that_outlasts_its_claim_renews_it_so_no_other_worker_sends_its_messages_again()
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var created = await liam.CreateEndpointAsync(HarborId, "Webhook", "long-batch", app.Receiver.Url("/long-batch"), Northwind);
        var ids = await PendingMessagesAsync(created.Endpoint.Id, "long", 3);
        var slow = TimeSpan.FromMilliseconds(600); // under the 1 s send timeout
        app.Receiver.Answer("/long-batch", (200, slow), (200, slow), (200, TimeSpan.Zero));
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<NotificationOptions>>().Value;

        await using var scope = app.Services.CreateAsyncScope();
        var first = scope.ServiceProvider.GetRequiredService<OutboxDelivery>().DeliverAsync(ids, Ct);
        await WaitForRequestsAsync("/long-batch", 1); // the first send (of messages numbered in one instant: any order)
        app.Clock.Advance(options.Lease - options.SendTimeout - TimeSpan.FromSeconds(5)); // the claim is nearly used up
        await WaitForRequestsAsync("/long-batch", 2);
        app.Clock.Advance(options.SendTimeout + TimeSpan.FromSeconds(6)); // past the first claim's end

        await app.SweepAsync(); // another worker looks for unclaimed messages now
        (await first).ShouldBe(3);

        app.Receiver.At("/long-batch").Select(r => r.Body).ShouldBe(["{\"long\":1}", "{\"long\":2}", "{\"long\":3}"], ignoreOrder: true, "each once, by the worker that claimed them");
    }

    private async Task WaitForRequestsAsync(string path, int count)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (app.Receiver.At(path).Count < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{count} requests at {path}: only {app.Receiver.At(path).Count}");
            await Task.Delay(10, Ct);
        }
    }

    [Fact]
    public async Task A_webhook_is_signed_and_during_a_rotation_carries_both_valid_signatures()
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var created = await liam.CreateEndpointAsync(HarborId, "Webhook", "signed", app.Receiver.Url("/signed"), Northwind);
        created.Secret.ShouldNotBeNullOrEmpty();
        var secret = created.Secret!;
        // Never shown again.
        var listed = await (await liam.GetAsync($"/api/v1/msps/{HarborId}/notification-endpoints", Ct)).Content.ReadAsStringAsync(Ct);
        listed.ShouldContain(created.Endpoint.Id.ToString());
        listed.ShouldNotContain(secret);
        (await app.QueryAsync(db => db.NotificationEndpoints.Where(e => e.Id == created.Endpoint.Id).Select(e => e.ProtectedSecret).SingleAsync(Ct)))
            .ShouldNotBeNull().ShouldNotContain(secret, Case.Sensitive, "stored protected");

        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, response) = await maya.CreateIncidentAsync(Northwind, "Signed " + Guid.NewGuid().ToString("N")[..6], "Sev1");
        response.Dispose();
        var first = await app.Receiver.WaitForAsync("/signed", r => r.Body.Contains(incident.Reference, StringComparison.Ordinal), Wait, "for the opened incident");
        first.Header("Portal-Event").ShouldBe("incident.opened");
        first.Header("Portal-Delivery-Id").ShouldNotBeNull();
        WebhookReceiver.Verify(first, secret, app.Clock.GetUtcNow(), TimeSpan.FromMinutes(5)).ShouldBeTrue(first.Header("Portal-Signature"));
        WebhookReceiver.Verify(first, "whsec_not-the-secret", app.Clock.GetUtcNow(), TimeSpan.FromMinutes(5)).ShouldBeFalse();
        WebhookReceiver.Verify(first with { Body = first.Body.Replace("Sev1", "Sev4") }, secret, app.Clock.GetUtcNow(), TimeSpan.FromMinutes(5)).ShouldBeFalse("a changed body fails");
        WebhookReceiver.Verify(first, secret, app.Clock.GetUtcNow().AddMinutes(10), TimeSpan.FromMinutes(5)).ShouldBeFalse("outside the replay window");
        using (var body = JsonDocument.Parse(first.Body))
        {
            body.RootElement.GetProperty("event").GetString().ShouldBe("incident.opened");
            body.RootElement.GetProperty("tenant").GetProperty("id").GetGuid().ShouldBe(Northwind);
            body.RootElement.GetProperty("incident").GetProperty("reference").GetString().ShouldBe(incident.Reference);
        }

        using var rotate = await liam.PostAsync($"/api/v1/msps/{HarborId}/notification-endpoints/{created.Endpoint.Id}/rotate-secret", null, Ct);
        var rotated = await rotate.ReadAsync<CreatedEndpointDto>();
        var newSecret = rotated.Secret!;
        newSecret.ShouldNotBe(secret);
        await maya.ChangeStatusAsync(incident, "Acknowledged");
        var second = await app.Receiver.WaitForAsync("/signed", r => r.Header("Portal-Event") == "incident.status_changed" && r.Body.Contains(incident.Reference, StringComparison.Ordinal), Wait, "for the status change");
        Regex.Count(second.Header("Portal-Signature")!, "v1=").ShouldBe(2, second.Header("Portal-Signature"));
        WebhookReceiver.Verify(second, newSecret, app.Clock.GetUtcNow(), TimeSpan.FromMinutes(5)).ShouldBeTrue("the new secret");
        WebhookReceiver.Verify(second, secret, app.Clock.GetUtcNow(), TimeSpan.FromMinutes(5)).ShouldBeTrue("the old secret, during the overlap");

        // After the overlap, only the new secret signs.
        app.Clock.Advance(TimeSpan.FromHours(25));
        await maya.AddNoteAsync(incident.Id, "After the overlap", "Customer");
        var third = await app.Receiver.WaitForAsync("/signed", r => r.Body.Contains("After the overlap", StringComparison.Ordinal) && r.Body.Contains(incident.Reference, StringComparison.Ordinal), Wait, "after the overlap");
        Regex.Count(third.Header("Portal-Signature")!, "v1=").ShouldBe(1);
        WebhookReceiver.Verify(third, newSecret, app.Clock.GetUtcNow(), TimeSpan.FromMinutes(5)).ShouldBeTrue();
        WebhookReceiver.Verify(third, secret, app.Clock.GetUtcNow(), TimeSpan.FromMinutes(5)).ShouldBeFalse();
    }

    [Fact]
    public async Task A_failing_receiver_gets_retries_with_back_off_then_exactly_one_successful_delivery_is_logged()
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        await liam.CreateEndpointAsync(HarborId, "Webhook", "flaky", app.Receiver.Url("/flaky"), Northwind);
        app.Receiver.Answer("/flaky", (500, TimeSpan.Zero), (503, TimeSpan.Zero));
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, response) = await maya.CreateIncidentAsync(Northwind, "Flaky " + Guid.NewGuid().ToString("N")[..6], "Sev2");
        response.Dispose();
        static bool Flaky(DeliveryAttempt a) => a.Target == "flaky";

        var attempts = await app.WaitForAttemptsAsync(incident.Id, a => a.Count(Flaky) == 1, Wait, "the first try");
        var first = attempts.Single(Flaky);
        (first.Outcome, first.StatusCode).ShouldBe((DeliveryOutcome.Retrying, (int?)500));
        var message = (await app.OutboxAsync(incident.Id)).Single(m => m.Id == first.MessageId);
        (message.NextAttemptAt - first.At).ShouldBe(TimeSpan.FromSeconds(10), "the first back-off");

        (await app.SweepAsync()).ShouldBe(0, "not due yet: nothing is sent before its time");
        app.Clock.Advance(TimeSpan.FromSeconds(10));
        await app.SweepAsync();
        attempts = await app.WaitForAttemptsAsync(incident.Id, a => a.Count(Flaky) == 2, Wait, "the second try");
        attempts.Where(Flaky).Last().StatusCode.ShouldBe(503);
        message = (await app.OutboxAsync(incident.Id)).Single(m => m.Id == first.MessageId);
        (message.NextAttemptAt - attempts.Where(Flaky).Last().At).ShouldBe(TimeSpan.FromSeconds(20), "the back-off doubles");

        app.Clock.Advance(TimeSpan.FromSeconds(20));
        await app.SweepAsync();
        attempts = await app.WaitForAttemptsAsync(incident.Id, a => a.Count(Flaky) == 3, Wait, "the third try");
        attempts.Where(Flaky).Select(a => a.Outcome).ShouldBe([DeliveryOutcome.Retrying, DeliveryOutcome.Retrying, DeliveryOutcome.Delivered]);

        // Delivered is final: later sweeps, however late, send nothing again.
        app.Clock.Advance(TimeSpan.FromHours(1));
        await app.SweepAsync();
        await app.SweepAsync();
        (await app.AttemptsAsync(incident.Id)).Where(Flaky).Count(a => a.Outcome == DeliveryOutcome.Delivered).ShouldBe(1);
        var requests = app.Receiver.At("/flaky").Where(r => r.Body.Contains(incident.Reference, StringComparison.Ordinal)).ToList();
        requests.Count.ShouldBe(3);
        requests.Select(r => r.Header("Portal-Delivery-Id")).Distinct().ShouldBe([first.MessageId.ToString()]);
        (await app.OutboxAsync(incident.Id)).Single(m => m.Id == first.MessageId).Status.ShouldBe(OutboxStatus.Delivered);

        // The MSP lead reads the same in the delivery log.
        var page = await (await liam.GetAsync($"/api/v1/msps/{HarborId}/notification-deliveries?tenantId={Northwind}&limit=200", Ct)).ReadAsync<DeliveryPageDto>();
        page.Items.Where(d => d.MessageId == first.MessageId).Select(d => d.Outcome).ShouldBe(["Delivered", "Retrying", "Retrying"]);
    }

    [Fact]
    public async Task A_slow_receiver_holds_a_worker_no_longer_than_the_timeout_and_after_the_last_try_the_message_is_Failed()
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        await liam.CreateEndpointAsync(HarborId, "Webhook", "slow", app.Receiver.Url("/slow"), Northwind);
        var sleep = (200, TimeSpan.FromSeconds(5));
        app.Receiver.Answer("/slow", sleep, sleep, sleep, sleep);
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, response) = await maya.CreateIncidentAsync(Northwind, "Slow " + Guid.NewGuid().ToString("N")[..6], "Sev2");
        response.Dispose();
        static bool Slow(DeliveryAttempt a) => a.Target == "slow";

        var attempts = await app.WaitForAttemptsAsync(incident.Id, a => a.Any(Slow), Wait, "the first try");
        var first = attempts.Single(Slow);
        first.Outcome.ShouldBe(DeliveryOutcome.Retrying);
        first.Error.ShouldNotBeNull().ShouldContain("Timed out");
        first.DurationMs.ShouldBeLessThan(3000, "the 1 s timeout bounds the try, not the receiver's 5 s");

        foreach (var (wait, n) in new[] { (10, 2), (20, 3), (40, 4) })
        {
            app.Clock.Advance(TimeSpan.FromSeconds(wait));
            await app.SweepAsync();
            attempts = await app.WaitForAttemptsAsync(incident.Id, a => a.Count(Slow) == n, Wait, $"try {n}");
        }
        attempts.Where(Slow).Select(a => a.Outcome).ShouldBe([DeliveryOutcome.Retrying, DeliveryOutcome.Retrying, DeliveryOutcome.Retrying, DeliveryOutcome.Failed]);
        var message = (await app.OutboxAsync(incident.Id)).Single(m => m.Id == first.MessageId);
        (message.Status, message.Attempts).ShouldBe((OutboxStatus.Failed, 4));
        app.Clock.Advance(TimeSpan.FromHours(2));
        await app.SweepAsync();
        (await app.AttemptsAsync(incident.Id)).Count(Slow).ShouldBe(4, "a Failed message is not tried again");
    }

    [Fact]
    public async Task Teams_receives_an_adaptive_card()
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var created = await liam.CreateEndpointAsync(HarborId, "Teams", "ops channel", app.Receiver.Url("/teams"), Northwind);
        created.Secret.ShouldBeNull("a Teams URL is its own secret");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, response) = await maya.CreateIncidentAsync(Northwind, "Teams " + Guid.NewGuid().ToString("N")[..6], "Sev1");
        response.Dispose();
        var request = await app.Receiver.WaitForAsync("/teams", r => r.Body.Contains(incident.Reference, StringComparison.Ordinal), Wait, "the card");
        using var body = JsonDocument.Parse(request.Body);
        body.RootElement.GetProperty("type").GetString().ShouldBe("message");
        var attachment = body.RootElement.GetProperty("attachments")[0];
        attachment.GetProperty("contentType").GetString().ShouldBe("application/vnd.microsoft.card.adaptive");
        attachment.GetProperty("content").GetProperty("type").GetString().ShouldBe("AdaptiveCard");
        attachment.GetProperty("content").GetProperty("body")[0].GetProperty("text").GetString().ShouldBe($"[{incident.Reference}] Sev1 opened: {incident.Title}");
    }

    [Fact]
    public async Task The_delivery_log_pages_by_keyset()
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        await liam.CreateEndpointAsync(HarborId, "Webhook", "paging", app.Receiver.Url("/paging"), Northwind);
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, response) = await maya.CreateIncidentAsync(Northwind, "Paging " + Guid.NewGuid().ToString("N")[..6], "Sev2");
        response.Dispose();
        await maya.ChangeStatusAsync(incident, "Acknowledged");
        await app.WaitForAttemptsAsync(incident.Id, a => a.Count(x => x.Target == "paging") == 2, Wait, "two deliveries");

        // Other tests of the class still deliver (retries) while this one pages: newer attempts than the walk's first page are
        // not in it, so the walk sees at least what existed before it and at most what exists after it.
        var before = await app.QueryAsync(db => db.DeliveryAttempts.CountAsync(a => a.TenantId == Northwind && (a.MspId == null || a.MspId == HarborId), Ct));
        var seen = new List<DeliveryDto>();
        string? cursor = null;
        do
        {
            var url = $"/api/v1/msps/{HarborId}/notification-deliveries?tenantId={Northwind}&limit=2" + (cursor is null ? "" : "&cursor=" + cursor);
            var page = await (await liam.GetAsync(url, Ct)).ReadAsync<DeliveryPageDto>();
            page.Items.Length.ShouldBeLessThanOrEqualTo(2);
            seen.AddRange(page.Items);
            cursor = page.Next;
        } while (cursor is not null);
        seen.Select(d => d.Id).ShouldBeUnique();
        seen.Select(d => d.Id).ShouldBe(seen.Select(d => d.Id).OrderByDescending(id => id), "newest first");
        var after = await app.QueryAsync(db => db.DeliveryAttempts.CountAsync(a => a.TenantId == Northwind && (a.MspId == null || a.MspId == HarborId), Ct));
        seen.Count.ShouldBeInRange(before, after);
        using var bad = await liam.GetAsync($"/api/v1/msps/{HarborId}/notification-deliveries?cursor=not-a-cursor", Ct);
        (await bad.ReadProblemAsync(HttpStatusCode.BadRequest)).Code.ShouldBe("invalid_cursor");
    }

    [GeneratedRegex(@"http://portal\.test(/notifications/unsubscribe\?token=\S+)")]
    private static partial Regex UnsubscribeLink();
}
