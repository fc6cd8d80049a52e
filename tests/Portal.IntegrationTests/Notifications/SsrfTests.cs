using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Domain;
using Portal.Features.Notifications;

namespace Portal.IntegrationTests.Notifications;

/// <summary>
/// The SSRF guard as it runs outside Development (AllowPrivateTargets off): registration refuses http and every URL whose host
/// is or resolves to a loopback, link-local, private or unspecified address; and at send time a stored URL that now points at
/// loopback (DNS changed, or a row older than the rule) is refused by the connect callback, so the receiver gets nothing.
/// (The other notification tests run with the guard relaxed, as Development allows, against receivers on loopback.)
/// </summary>
public sealed class SsrfTests(GuardedNotificationsApp app) : IClassFixture<GuardedNotificationsApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("http://example.com/hook")]         // not https
    [InlineData("https://127.0.0.1/hook")]          // loopback
    [InlineData("https://localhost/hook")]          // resolves to loopback
    [InlineData("https://[::1]/hook")]
    [InlineData("https://10.1.2.3/hook")]           // RFC 1918
    [InlineData("https://172.20.0.5/hook")]
    [InlineData("https://192.168.1.10/hook")]
    [InlineData("https://169.254.169.254/latest")]  // link-local (cloud metadata)
    [InlineData("https://[fe80::1]/hook")]
    [InlineData("https://[fd12:3456::1]/hook")]     // fc00::/7
    [InlineData("https://0.0.0.0/hook")]            // unspecified
    [InlineData("https://[::ffff:127.0.0.1]/hook")] // loopback mapped into IPv6
    public async Task Registration_refuses_targets_that_are_not_public_https(string url)
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        using var response = await liam.PostJsonAsync($"/api/v1/msps/{app.Demo.TenantId(NotificationWire.Harbor)}/notification-endpoints",
            new { channel = "Webhook", name = "ssrf", url });
        (await response.ReadProblemAsync(HttpStatusCode.BadRequest)).Code.ShouldBe("endpoint_not_allowed");
        (await app.QueryAsync(db => db.NotificationEndpoints.CountAsync(e => e.Url == url, Ct))).ShouldBe(0);
    }

    [Fact]
    public async Task At_send_time_a_target_that_resolves_to_loopback_is_refused_and_nothing_reaches_it()
    {
        var harbor = app.Demo.TenantId(NotificationWire.Harbor);
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        // Written past the registration check, as if the name had resolved to a public address then: https, pointing at loopback now.
        var target = $"https://localhost:{app.Receiver.Port}/rebound";
        await using (var scope = app.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var secrets = scope.ServiceProvider.GetRequiredService<WebhookSecrets>();
            var liam = app.Demo.User(DemoDirectory.Liam);
            db.NotificationEndpoints.Add(new NotificationEndpoint(Guid.NewGuid(), harbor, northwind, NotificationChannel.Webhook, "rebound", new Uri(target),
                secrets.Protect(WebhookSecrets.NewSecret()), new Actor(liam.Id, liam.Name, TenantAccess.Msp), DateTimeOffset.UtcNow));
            await db.SaveChangesAsync(Ct);
        }
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, response) = await maya.CreateIncidentAsync(northwind, "Rebound " + Guid.NewGuid().ToString("N")[..6], "Sev2");
        response.Dispose();

        var attempts = await app.WaitForAttemptsAsync(incident.Id, a => a.Any(x => x.Target == "rebound"), TimeSpan.FromSeconds(20), "the refused try");
        var refused = attempts.Single(a => a.Target == "rebound");
        refused.Outcome.ShouldBe(DeliveryOutcome.Retrying);
        refused.Error.ShouldNotBeNull().ShouldContain("loopback");
        app.Receiver.Requests.ShouldBeEmpty("the guard refused the connection; nothing reached the receiver");
    }

    [Fact]
    public void The_address_rules()
    {
        foreach (var bad in new[] { "127.0.0.1", "127.9.9.9", "::1", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1", "169.254.1.1", "fe80::1", "fc00::1", "fdff::1", "0.0.0.0", "::", "100.64.0.1", "224.0.0.1", "::ffff:10.0.0.1" })
            EndpointAddressGuard.IsForbidden(IPAddress.Parse(bad)).ShouldBeTrue(bad);
        foreach (var good in new[] { "8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1", "1.1.1.1", "2001:4860:4860::8888", "100.128.0.1" })
            EndpointAddressGuard.IsForbidden(IPAddress.Parse(good)).ShouldBeFalse(good);
    }
}
