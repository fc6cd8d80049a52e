using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>What an MSP engineer does on the triage page, written once for the tests that need it.</summary>
internal static partial class TriagePage
{
    /// <summary>Unique per call, so tests running side by side never mistake each other's incidents.</summary>
    public static string UniqueTitle(string what) => $"{what} {Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Fills the "New incident" form and returns the reference (e.g. NWA-7) of the incident page it lands on.</summary>
    public static async Task<string> OpenIncidentAsync(IPage page, string tenant, string title, string severity, string customerSummary)
    {
        await page.GotoAsync("/triage");
        await page.GetByText("New incident", new() { Exact = true }).ClickAsync();
        var form = page.GetByRole(AriaRole.Form, new() { Name = "New incident" });
        await form.GetByLabel("Tenant").SelectOptionAsync(new SelectOptionValue { Label = tenant });
        await form.GetByLabel("Severity").SelectOptionAsync(severity);
        await form.GetByLabel("Title").FillAsync(title);
        await form.GetByLabel("Customer summary").FillAsync(customerSummary);
        await form.GetByRole(AriaRole.Button, new() { Name = "Open incident" }).ClickAsync();

        // Polled, not Playwright's load-state wait, which can miss a state recorded as it subscribes (PortalApp.WaitForLandingPageAsync).
        await Assertions.Expect(page).ToHaveURLAsync(IncidentUrl());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(title);
        await Expect(page.GetByTestId("incident-state")).ToContainTextAsync("New");
        return (await page.Locator("h1 .ref").InnerTextAsync()).Trim();
    }

    /// <summary>On a new incident's page: Acknowledge, and the page shows it acknowledged.</summary>
    public static async Task AcknowledgeAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await Expect(page.GetByTestId("incident-state")).ToContainTextAsync("Acknowledged");
    }

    [GeneratedRegex(@"/incidents/[0-9a-f-]{36}$")]
    public static partial Regex IncidentUrl();
}
