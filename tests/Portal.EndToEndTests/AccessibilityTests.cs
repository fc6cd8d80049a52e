using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>
/// Every page, as the people who use it see it (the demo's data, live pages connected), checked by axe-core against the WCAG
/// 2.0 and 2.1 level A and AA rules: an engineer who works by keyboard or with a screen reader at 3 a.m. gets the same portal.
/// A violation fails with its rule, what axe says of it and the elements concerned.
/// </summary>
public sealed class AccessibilityTests(PortalApp app)
{
    private static readonly List<string> WcagAa = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

    /// <summary>Who looks, and at what: {incident}, {advisory}, {tenant} and {msp} stand for the demo's NWA-1, sensor advisory, Northwind and Harbor.</summary>
    public static TheoryData<string, string> Pages => new()
    {
        { "Maya Chen", "/triage" },
        { "Maya Chen", "/incidents/{incident}" },
        { "Maya Chen", "/incidents/{incident}/remediation" },
        { "Maya Chen", "/tasks/{task}" },
        { "Maya Chen", "/incidents/{incident}/report" },
        { "Maya Chen", "/advisories" },
        { "Maya Chen", "/advisories/{advisory}" },
        { "Maya Chen", "/escalations" },
        { "Maya Chen", "/reports" },
        { "Maya Chen", "/status/{tenant}" },
        { "Maya Chen", "/status/{tenant}/recovery" },
        { "Maya Chen", "/recovery" },
        { "Maya Chen", "/no-such-page" },
        { "Liam O'Brien", "/escalations" },
        { "Liam O'Brien", "/contracts" },
        { "Liam O'Brien", "/msps/{msp}/notification-endpoints" },
        { "Liam O'Brien", "/msps/{msp}/notification-deliveries" },
        { "Liam O'Brien", "/organisations/{msp}/people" },
        { "Olivia Grant", "/status" },
        { "Olivia Grant", "/status/{tenant}/recovery" },
        { "Olivia Grant", "/incidents/{incident}" },
        { "Olivia Grant", "/advisories/{advisory}" },
        { "Olivia Grant", "/tenants/{tenant}/email-subscriptions" },
        { "Olivia Grant", "/tenants/{tenant}/subscriptions" },
        { "Olivia Grant", "/escalations" },
        { "Priya Raman", "/provider/advisories" },
        { "Priya Raman", "/provider/advisories/new" },
        { "Priya Raman", "/provider/advisories/{advisory}" },
        { "Priya Raman", "/provider/advisories/{advisory}/edit" },
        { "Priya Raman", "/provider" },
        { "Ada Lovelace", "/organisations" },
        { "Ada Lovelace", "/admin/organisations" },
        { "", "/signin" },
    };

    [Theory]
    [MemberData(nameof(Pages))]
    public Task The_page_meets_WCAG_2_1_AA_as_axe_checks_it(string person, string path) => CheckAsync(person, path, ColorScheme.Light);

    /// <summary>The pages follow the system's dark mode (<c>color-scheme: light dark</c>): its colours must read as well.</summary>
    [Theory]
    [MemberData(nameof(Pages))]
    public Task The_page_meets_WCAG_2_1_AA_in_dark_mode_too(string person, string path) => CheckAsync(person, path, ColorScheme.Dark);

    private async Task CheckAsync(string person, string path, ColorScheme scheme)
    {
        var url = await ResolveAsync(path);
        var page = person.Length == 0 ? await app.NewPageAsync() : await app.SignedInAsAsync(person);
        await page.EmulateMediaAsync(new() { ColorScheme = scheme });
        await page.GotoAsync(url);
        new Uri(page.Url).PathAndQuery.ShouldBe(url, "the page asked for, not a redirect (to /signin, were the session over)");
        // A live page is checked as it is used: connected, after its first refresh.
        if (await page.Locator("main[data-live-page]:not([data-live-page=''])").CountAsync() > 0)
        {
            await Expect(page.Locator("#live-indicator")).ToHaveTextAsync("Live");
            await Expect(page.Locator("main[data-live-refreshed-at]")).ToHaveCountAsync(1);
        }

        var result = await page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = WcagAa } });

        var violations = result.Violations.Select(v => $"{v.Id} ({v.Impact}): {v.Help}\n" + string.Join("\n",
            v.Nodes.Take(3).Select(n => $"    {n.Target}: {n.Html[..Math.Min(n.Html.Length, 160)]}"))).ToList();
        violations.ShouldBeEmpty($"{person} on {path} ({scheme}):\n{string.Join("\n", violations)}");
        result.Passes.Length.ShouldBeGreaterThan(10, "axe ran its rules on the page");
    }

    private async Task<string> ResolveAsync(string path)
    {
        if (!path.Contains('{', StringComparison.Ordinal)) return path;
        var (incident, advisory, tenant, msp, task) = await app.ReadAsync(async db => (
            await db.Incidents.Where(i => i.Reference == "NWA-1").Select(i => i.Id).SingleAsync(),
            await db.Advisories.Where(a => a.Title == Portal.Infrastructure.Data.DemoData.SensorAdvisoryTitle).Select(a => a.Id).SingleAsync(),
            await db.Organisations.Where(o => o.Name == "Northwind Airways").Select(o => o.Id).SingleAsync(),
            await db.Organisations.Where(o => o.Name == "Harbor IT Partners").Select(o => o.Id).SingleAsync(),
            // A task of the demo's boot-loop incident that has moved, so its history table is checked too.
            await db.RemediationTaskChanges.Where(c => db.Organisations.Any(o => o.Id == c.TenantId && o.Name == "Northwind Airways")).OrderBy(c => c.At).ThenBy(c => c.Id).Select(c => c.TaskId).FirstAsync()));
        return path.Replace("{incident}", incident.ToString(), StringComparison.Ordinal).Replace("{advisory}", advisory.ToString(), StringComparison.Ordinal)
            .Replace("{tenant}", tenant.ToString(), StringComparison.Ordinal).Replace("{msp}", msp.ToString(), StringComparison.Ordinal)
            .Replace("{task}", task.ToString(), StringComparison.Ordinal);
    }
}
