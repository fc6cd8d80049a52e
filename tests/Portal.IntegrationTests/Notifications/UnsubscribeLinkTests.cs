using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Features.Notifications;

namespace Portal.IntegrationTests.Notifications;

/// <summary>
/// The unsubscribe link's expiry travels inside the protected token and is checked against Portal's clock (the FakeTimeProvider,
/// moved here by weeks in a moment): a real emailed link works until its expiry and answers a clear "expired" page (410, or a
/// problem for a JSON client) after it; an edited token, a token of the earlier format and garbage are refused as invalid (400).
/// A refused link changes nothing. Opening a link (GET) only asks: a mail gateway that opens every link to scan it must not
/// unsubscribe anyone (RFC 8058); the page's button and the mail client's one-click send POST, which removes the subscription and
/// says so in the tenant's audit log. Its own app: the clock moves by the whole link lifetime.
/// </summary>
public sealed partial class UnsubscribeLinkTests(NotificationsApp app) : IClassFixture<NotificationsApp>
{
    private static readonly string[] AllSeverities = ["Sev1", "Sev2", "Sev3", "Sev4"];
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Lifetime = new NotificationOptions().UnsubscribeLinkLifetime; // the default: not configured by the app
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);

    private async Task<Guid> SubscribeAsync(string who)
    {
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        using var response = await olivia.SendRawAsync(HttpMethod.Put, $"/api/v1/tenants/{Northwind}/email-subscriptions",
            JsonSerializer.Serialize(new { userId = app.Demo.User(who).Id, severities = AllSeverities }));
        return (await response.ReadAsync<SubscriptionDto>()).Id;
    }

    private Task<bool> ExistsAsync(Guid subscriptionId) => app.QueryAsync(db => db.EmailSubscriptions.AnyAsync(s => s.Id == subscriptionId, Ct));

    private static string TokenOf(string path) => Uri.UnescapeDataString(path[(path.IndexOf("token=", StringComparison.Ordinal) + 6)..]);

    private static string PathFor(string token) => UnsubscribeLinks.Path + "?token=" + Uri.EscapeDataString(token);

    private static async Task<(HttpStatusCode Status, string Body)> FollowAsync(HttpClient anonymous, string path, bool json = false, bool post = false)
    {
        using var request = new HttpRequestMessage(post ? HttpMethod.Post : HttpMethod.Get, path);
        if (json) request.Headers.Accept.ParseAdd("application/json");
        using var response = await anonymous.SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task An_emailed_link_works_until_its_expiry_by_Portals_clock_and_answers_expired_after_it()
    {
        var oliviaSubscription = await SubscribeAsync(DemoDirectory.Olivia);
        var noahSubscription = await SubscribeAsync(DemoDirectory.Noah);
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, "Unsubscribe clock " + Guid.NewGuid().ToString("N")[..6], "Sev2");
        created.Dispose();
        var sentAt = app.Clock.GetUtcNow(); // the clock stands still until moved: the links are issued at this instant
        string LinkTo(string email) => UnsubscribeLink().Match(app.Smtp.Received.Single(m =>
            (m.Subject ?? "").Contains(incident.Reference, StringComparison.Ordinal) && m.To.Mailboxes.Single().Address == email).TextBody ?? "").Groups[1].Value;
        await app.Smtp.WaitForAsync(m => (m.Subject ?? "").Contains(incident.Reference, StringComparison.Ordinal) && m.To.Mailboxes.Single().Address == DemoDirectory.Olivia, Wait, "to Olivia");
        await app.Smtp.WaitForAsync(m => (m.Subject ?? "").Contains(incident.Reference, StringComparison.Ordinal) && m.To.Mailboxes.Single().Address == DemoDirectory.Noah, Wait, "to Noah");
        var oliviaLink = LinkTo(DemoDirectory.Olivia);
        var noahLink = LinkTo(DemoDirectory.Noah);
        oliviaLink.ShouldNotBeEmpty();
        noahLink.ShouldNotBeEmpty();
        using var anonymous = app.Anonymous();

        // A minute before the expiry (weeks later by Portal's clock; the system clock has not moved): opening the link asks, and
        // changes nothing however often it is opened; the button (POST) unsubscribes, and the tenant's audit log says who and how.
        app.Clock.Advance(Lifetime - TimeSpan.FromMinutes(1));
        for (var scan = 0; scan < 2; scan++)
        {
            var (asked, page) = await FollowAsync(anonymous, oliviaLink);
            asked.ShouldBe(HttpStatusCode.OK, page);
            page.ShouldContain("Stop incident emails?");
            page.ShouldContain("<form method=\"post\" action=\"/notifications/unsubscribe?token=");
            (await ExistsAsync(oliviaSubscription)).ShouldBeTrue("opening the link (a scanner, a preview) unsubscribes nobody");
        }
        var (status, body) = await FollowAsync(anonymous, oliviaLink, post: true);
        status.ShouldBe(HttpStatusCode.OK, body);
        body.ShouldContain("Unsubscribed");
        (await ExistsAsync(oliviaSubscription)).ShouldBeFalse();
        (await app.QueryAsync(db => db.AuditEntries.Where(a => a.OrganisationId == Northwind && a.Action == "email_unsubscribed").Select(a => a.Detail).ToListAsync(Ct)))
            .ShouldContain(d => d.Contains(DemoDirectory.Olivia, StringComparison.Ordinal));
        (status, body) = await FollowAsync(anonymous, oliviaLink);
        (status, body.Contains("You were already unsubscribed.", StringComparison.Ordinal)).ShouldBe((HttpStatusCode.OK, true), body);

        // A minute after: expired, said so, and nothing changes — for a person (the page) and for a JSON client or one-click POST.
        app.Clock.Advance(TimeSpan.FromMinutes(2));
        (status, body) = await FollowAsync(anonymous, noahLink);
        status.ShouldBe(HttpStatusCode.Gone, body);
        body.ShouldContain("This link has expired");
        body.ShouldContain((sentAt + Lifetime).UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        (status, body) = await FollowAsync(anonymous, noahLink, json: true, post: true);
        status.ShouldBe(HttpStatusCode.Gone, body);
        using (var problem = JsonDocument.Parse(body)) problem.RootElement.GetProperty("code").GetString().ShouldBe("unsubscribe_link_expired");
        (await ExistsAsync(noahSubscription)).ShouldBeTrue("an expired link changes nothing");

        // A link issued now (by the moved clock) works now.
        var fresh = app.Services.GetRequiredService<UnsubscribeLinks>().TokenFor(noahSubscription);
        (status, body) = await FollowAsync(anonymous, PathFor(fresh), post: true);
        status.ShouldBe(HttpStatusCode.OK, body);
        (await ExistsAsync(noahSubscription)).ShouldBeFalse();
    }

    [Fact]
    public async Task A_tampered_link_a_link_of_the_earlier_format_and_garbage_are_refused_as_invalid()
    {
        var subscription = await SubscribeAsync(DemoDirectory.Noah);
        var links = app.Services.GetRequiredService<UnsubscribeLinks>();
        var token = links.TokenFor(subscription);
        using var anonymous = app.Anonymous();

        // One character changed, anywhere: the authenticated encryption fails (the expiry inside cannot be edited either).
        foreach (var at in new[] { 10, token.Length / 2, token.Length - 3 })
        {
            var tampered = token[..at] + (token[at] == 'A' ? 'B' : 'A') + token[(at + 1)..];
            var (status, body) = await FollowAsync(anonymous, PathFor(tampered));
            status.ShouldBe(HttpStatusCode.BadRequest, body);
            body.ShouldContain("This link is not valid");
        }

        // The earlier format: Data Protection's time-limited protector under the old purpose, its expiry far ahead of every clock.
        var oldFormat = app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("Portal.Notifications.Unsubscribe.v1")
            .ToTimeLimitedDataProtector().Protect(subscription.ToString("N"), DateTimeOffset.UtcNow.AddYears(1));
        var (oldStatus, oldBody) = await FollowAsync(anonymous, PathFor(oldFormat));
        oldStatus.ShouldBe(HttpStatusCode.BadRequest, oldBody);
        oldBody.ShouldContain("older email");
        (oldStatus, oldBody) = await FollowAsync(anonymous, PathFor(oldFormat), json: true);
        oldStatus.ShouldBe(HttpStatusCode.BadRequest);
        using (var problem = JsonDocument.Parse(oldBody)) problem.RootElement.GetProperty("code").GetString().ShouldBe("unsubscribe_link_invalid");

        foreach (var garbage in new[] { UnsubscribeLinks.Path, PathFor("not-a-token"), PathFor("%%%"), PathFor(Guid.NewGuid().ToString("N")) })
        {
            var (status, body) = await FollowAsync(anonymous, garbage, post: true);
            status.ShouldBe(HttpStatusCode.BadRequest, $"{garbage}: {body}");
        }
        (await ExistsAsync(subscription)).ShouldBeTrue("no refused link changed anything");

        // The untouched token still works.
        var (okStatus, okBody) = await FollowAsync(anonymous, PathFor(token), post: true);
        okStatus.ShouldBe(HttpStatusCode.OK, okBody);
        (await ExistsAsync(subscription)).ShouldBeFalse();
    }

    [GeneratedRegex(@"http://portal\.test(/notifications/unsubscribe\?token=\S+)")]
    private static partial Regex UnsubscribeLink();
}
