using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;
using static Portal.EndToEndTests.Pointing;

namespace Portal.EndToEndTests;

/// <summary>
/// What an MSP engineer is told on whatever live page is open: an escalation of any of their incidents, a provider's new or
/// updated advisory for any of their tenants. Once each, with a link, until dismissed; what was missed with no page open or
/// the connection down, on the next page or once it is back; a customer's page has no such line.
/// Bluepeak's people and tenants, so the other tests' Harbor pages see none of it.
/// </summary>
public sealed class LiveAlertTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The triage tab's title is "(N) Triage · Portal" with N lines shown, or "Triage · Portal" with none.</summary>
    private const string TitleCountsLines = """
        () => { const n = document.querySelectorAll("#live-alerts .live-alert").length; return document.title === (n > 0 ? `(${n}) ` : "") + "Triage · Portal"; }
        """;

    /// <summary>A Sev1 opened from the triage page; its reference, id and tenant (for <see cref="PortalApp.EscalateAsync"/>).</summary>
    private async Task<(string Reference, Guid IncidentId, Guid TenantId)> OpenSev1Async(IPage page, string tenant, string title, string summary)
    {
        var reference = await TriagePage.OpenIncidentAsync(page, tenant, title, "Sev1", summary);
        var incidentId = Guid.Parse(new Uri(page.Url).Segments[^1]);
        return (reference, incidentId, await app.ReadAsync(db => db.Incidents.Where(i => i.Id == incidentId).Select(i => i.TenantId).SingleAsync()));
    }

    [Fact]
    public async Task An_escalation_is_said_on_the_page_the_engineer_has_open_with_a_link_to_its_incident()
    {
        // Bluepeak's engineer opens a Sev1 for Woodgrove and goes back to the queue; nobody acknowledges it in time.
        var ines = await app.SignInAsync("Ines Duarte");
        var title = TriagePage.UniqueTitle("Trading floor PCs boot-looping");
        var (reference, incidentId, tenantId) = await OpenSev1Async(ines, "Woodgrove Bank (WGB)", title, "Trading desks restart in a loop.");
        await ines.GotoAsync("/triage");
        await Expect(ines.Locator("#live-indicator")).ToHaveTextAsync("Live");
        // Lines of this incident only: another test's advisory for the sensor may add a line for Ines at any moment.
        var alerts = ines.GetByTestId("live-alerts");
        var alert = alerts.Locator(".live-alert.escalation").Filter(new() { HasText = reference });
        await Expect(alert).ToHaveCountAsync(0);

        (await app.EscalateAsync(incidentId, tenantId, TimeSpan.FromMinutes(16))).ShouldBeGreaterThan(0);

        // Once, although it comes on both the MSP's stream and the tenant's.
        await Expect(alert).ToHaveCountAsync(1);
        await Expect(alert).ToContainTextAsync($"Escalated: {reference}: Sev1 not acknowledged in time (level 1)");
        await Expect(alerts).ToHaveAttributeAsync("aria-live", "assertive");
        await ines.WaitForTimeoutAsync(300);
        await Expect(alert).ToHaveCountAsync(1);
        // The tab counts the lines there are (read in one go in the page, however many other lines came meanwhile).
        await ines.WaitForFunctionAsync(TitleCountsLines);
        (await ines.TitleAsync()).ShouldStartWith("(");

        // Each line's button says which line it dismisses.
        await alert.GetByRole(AriaRole.Button, new() { Name = $"Dismiss: Escalated: {reference}: Sev1 not acknowledged in time (level 1)", Exact = true }).ClickAsync();
        await Expect(alert).ToHaveCountAsync(0);
        await ines.WaitForFunctionAsync(TitleCountsLines);

        // The next level (or the same escalation on another page) is said again; its link opens the incident.
        (await app.EscalateAsync(incidentId, tenantId, TimeSpan.FromHours(3))).ShouldBeGreaterThan(0);
        await Expect(alert.First).ToContainTextAsync(reference);
        await alert.First.GetByRole(AriaRole.Link, new() { Name = "Open the incident" }).ClickAsync();
        await Expect(ines).ToHaveURLAsync(new Regex($"/incidents/{incidentId}$"));
        await Expect(ines.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(title);
    }

    /// <summary>
    /// A line said above the queue pushes its rows down as a new Sev1 does: the pointer on its way to a row ended on the table's
    /// head, and the click meant for the incident opened nothing. The row the hand aims at stays under it.
    /// </summary>
    [Fact]
    public async Task A_row_the_pointer_is_on_stays_under_it_when_an_escalation_is_said_above_the_queue()
    {
        var ines = await app.SignInAsync("Ines Duarte");
        var tag = Guid.NewGuid().ToString("N")[..8];
        var title = $"Branch tellers locked out {tag}";
        var (reference, incidentId, tenantId) = await OpenSev1Async(ines, "Woodgrove Bank (WGB)", title, "Tellers cannot sign in.");
        await ines.GotoAsync($"/triage?q={tag}");
        await Expect(ines.Locator("#live-indicator")).ToHaveTextAsync("Live");
        // The lines the other tests left for Ines, dismissed: with five shown, a sixth on top pushes the last out and nothing moves.
        var lines = ines.GetByTestId("live-alerts").Locator(".live-alert");
        while (await lines.CountAsync() > 0) await lines.First.GetByRole(AriaRole.Button).ClickAsync();
        var (x, y) = await PointAtAsync(ines, "queue", title);

        (await app.EscalateAsync(incidentId, tenantId, TimeSpan.FromMinutes(16))).ShouldBeGreaterThan(0);

        await Expect(lines.Filter(new() { HasText = reference })).ToHaveCountAsync(1);
        (await ItemUnderAsync(ines, x, y)).ShouldContain(title);
        await ines.Mouse.ClickAsync(x, y);
        await Expect(ines).ToHaveURLAsync(new Regex($"/incidents/{incidentId}$"));
    }

    [Fact]
    public async Task An_escalation_raised_while_no_page_was_open_is_said_on_the_next_one_and_once_dismissed_on_none()
    {
        var ines = await app.SignInAsync("Ines Duarte");
        var title = TriagePage.UniqueTitle("Lift pass scanners offline");
        var (reference, incidentId, tenantId) = await OpenSev1Async(ines, "Alpine Ski House (ASH)", title, "Lift gates do not read passes.");
        var text = $"Escalated: {reference}: Sev1 not acknowledged in time (level 1)";

        // Ines has closed Portal; the escalation's live notice reaches nobody.
        await ines.GotoAsync("about:blank");
        (await app.EscalateAsync(incidentId, tenantId, TimeSpan.FromMinutes(16))).ShouldBeGreaterThan(0);

        // The next page she opens says it, once: the page's own list and the refresh after it goes live name the same line.
        await ines.GotoAsync("/advisories");
        var alert = ines.GetByTestId("live-alerts").Locator(".live-alert.escalation").Filter(new() { HasText = reference });
        await Expect(alert).ToHaveCountAsync(1);
        await Expect(alert).ToContainTextAsync(text);
        await Expect(ines.Locator("#live-indicator")).ToHaveTextAsync("Live");
        await ines.WaitForTimeoutAsync(300);
        await Expect(alert).ToHaveCountAsync(1);

        // Dismissed, it is said on no other page of hers, nor after a reload.
        await alert.GetByRole(AriaRole.Button, new() { Name = $"Dismiss: {text}", Exact = true }).ClickAsync();
        await Expect(alert).ToHaveCountAsync(0);
        await ines.GotoAsync("/triage");
        await Expect(ines.Locator("#live-indicator")).ToHaveTextAsync("Live");
        await ines.ReloadAsync();
        await Expect(ines.Locator("#live-indicator")).ToHaveTextAsync("Live");
        await ines.WaitForTimeoutAsync(300);
        await Expect(alert).ToHaveCountAsync(0);
        // Only dismissed on that browser: Ines signed in on another still has the line, so the absence above is the dismissal.
        var elsewhere = await app.SignInAsync("Ines Duarte");
        await elsewhere.GotoAsync("/triage");
        await Expect(elsewhere.GetByTestId("live-alerts").Locator(".live-alert.escalation").Filter(new() { HasText = reference })).ToHaveCountAsync(1);

        // Acknowledged, the incident no longer waits for what was escalated: no page says it any more.
        await elsewhere.GotoAsync($"/incidents/{incidentId}");
        await elsewhere.GetByRole(AriaRole.Button, new() { Name = "Acknowledge", Exact = true }).ClickAsync();
        await Expect(elsewhere.GetByRole(AriaRole.Status)).ToContainTextAsync($"{reference} acknowledged");
        var afterwards = await app.SignInAsync("Ines Duarte");
        await afterwards.GotoAsync("/triage");
        await Expect(afterwards.Locator("#live-indicator")).ToHaveTextAsync("Live");
        await Expect(afterwards.GetByTestId("live-alerts").Locator(".live-alert.escalation").Filter(new() { HasText = reference })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_escalation_raised_while_the_connection_was_down_is_said_when_it_is_back()
    {
        var ines = await app.SignInAsync("Ines Duarte");
        var title = TriagePage.UniqueTitle("Ticket kiosks frozen");
        var (reference, incidentId, tenantId) = await OpenSev1Async(ines, "Alpine Ski House (ASH)", title, "The kiosks at the base station do not respond.");

        var outage = await LiveSocketOutage.OpenAsync(ines, "/triage");
        var alert = ines.GetByTestId("live-alerts").Locator(".live-alert.escalation").Filter(new() { HasText = reference });

        await outage.WhileDownAsync(async () => (await app.EscalateAsync(incidentId, tenantId, TimeSpan.FromMinutes(16))).ShouldBeGreaterThan(0));
        await Expect(alert).ToHaveCountAsync(0); // its live notice had no way to the page

        // Back: the reconnect refreshes the page, and the refreshed page names what was missed.
        await outage.BackAsync();
        await Expect(alert).ToHaveCountAsync(1);
        await Expect(alert).ToContainTextAsync($"Escalated: {reference}: Sev1 not acknowledged in time (level 1)");
    }

    [Fact]
    public async Task A_providers_advisory_and_its_update_are_said_to_the_engineer_and_never_as_an_alert_to_the_customer()
    {
        // Ines has the advisories page open: its to-do list follows the providers live too.
        var ines = await app.SignInAsync("Ines Duarte");
        await ines.GotoAsync("/advisories");
        await Expect(ines.Locator("#live-indicator")).ToHaveTextAsync("Live");
        await ines.EvaluateAsync("() => { window.portalNotReloaded = true; }");
        var hana = await app.SignInAsync("Hana Sato"); // Woodgrove's admin, on her status page
        await Expect(hana.Locator("#live-indicator")).ToHaveTextAsync("Live");
        await Expect(hana.GetByTestId("live-alerts")).ToHaveCountAsync(0);

        var title = $"Sensor agent fails to load {Guid.NewGuid():N}"[..40];
        var advisoryId = await app.PublishSensorAdvisoryAsync(title, "Sev2", "The agent may fail to load after a restart.");

        // Both of Bluepeak's tenants are targeted: one line, not one per tenant.
        var alerts = ines.GetByTestId("live-alerts").Locator(".live-alert");
        var mine = alerts.Filter(new() { HasText = title });
        await Expect(mine).ToHaveCountAsync(1);
        await Expect(mine).ToContainTextAsync($"New advisory: {title}");
        // A row each for Woodgrove and Alpine, to acknowledge. Counted by name: ContractJourneyTests, running beside this class,
        // lends Bluepeak a third tenant (Tailspin) for a while, and an advisory published then rightly gets its row too.
        var todo = ines.GetByTestId("inbox").Locator($"tr[data-advisory='{advisoryId}']");
        await Expect(todo.Filter(new() { HasText = "Woodgrove Bank" })).ToHaveCountAsync(1);
        await Expect(todo.Filter(new() { HasText = "Alpine Ski House" })).ToHaveCountAsync(1);
        await Expect(todo.First).ToContainTextAsync("Investigating");

        using var priya = await app.ApiClientAsync("priya@sentinelshield.example");
        using var updated = await priya.PostAsJsonAsync($"/api/v1/advisories/{advisoryId}/updates", new { status = "Identified", text = "A fix is rolling out." }, Ct);
        updated.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, await updated.Content.ReadAsStringAsync(Ct));
        await Expect(mine).ToHaveCountAsync(2);
        await Expect(mine.First).ToContainTextAsync($"Advisory updated: {title}");
        await Expect(todo.First).ToContainTextAsync("Identified");
        (await ines.EvaluateAsync<bool>("() => window.portalNotReloaded === true")).ShouldBeTrue("the advisories page reloaded instead of updating in place");

        // The customer's page shows the advisory itself (its own card), never an alert line.
        await Expect(hana.GetByTestId($"advisory-{advisoryId}")).ToContainTextAsync("A fix is rolling out.", new() { Timeout = 10_000 });
        await Expect(hana.Locator(".live-alert")).ToHaveCountAsync(0);

        await mine.First.GetByRole(AriaRole.Link, new() { Name = "Open the advisory" }).ClickAsync();
        await Expect(ines).ToHaveURLAsync(new Regex($"/advisories/{advisoryId}$"));
        await Expect(ines.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(title);

        // The advisory's own page follows the provider's next update.
        await Expect(ines.Locator("#live-indicator")).ToHaveTextAsync("Live");
        await ines.EvaluateAsync("() => { window.portalNotReloaded = true; }");
        using (var mitigating = await priya.PostAsJsonAsync($"/api/v1/advisories/{advisoryId}/updates", new { status = "Mitigating", text = "Corrected agent build 7.16 is out." }, Ct))
            mitigating.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, await mitigating.Content.ReadAsStringAsync(Ct));
        await Expect(ines.GetByTestId("updates")).ToContainTextAsync("Corrected agent build 7.16 is out.");
        await Expect(ines.GetByTestId("advisory-state")).ToContainTextAsync("Mitigating");
        (await ines.EvaluateAsync<bool>("() => window.portalNotReloaded === true")).ShouldBeTrue("the advisory's page reloaded instead of updating in place");
    }
}
