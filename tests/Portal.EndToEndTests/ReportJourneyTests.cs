using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>Reports in a browser: the MSP engineer goes from the menu to the figures to an incident's report and back to the incident.</summary>
public sealed class ReportJourneyTests(PortalApp app)
{
    [Fact]
    public async Task An_engineer_reads_response_times_opens_an_incidents_report_from_them_and_a_customer_sees_no_targets()
    {
        var maya = await app.SignInAsync("Maya Chen");
        await maya.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Reports" }).ClickAsync();
        await Expect(maya.GetByRole(AriaRole.Heading, new() { Name = "Response times", Level = 1 })).ToBeVisibleAsync();
        await Expect(maya.GetByRole(AriaRole.Link, new() { Name = "Last 30 days" })).ToHaveAttributeAsync("aria-current", "page");
        var figures = maya.GetByTestId("response-times");
        await Expect(figures.GetByRole(AriaRole.Columnheader, new() { Name = "Missed ack target" })).ToBeVisibleAsync();
        await Expect(figures.Locator("tr[data-group='all'] [data-mtta]")).Not.ToHaveTextAsync("—"); // the demo's incidents were acknowledged

        var first = maya.GetByTestId("reported-incidents").Locator("tbody tr a").First;
        var reference = (await first.Locator(".ref").TextContentAsync())!;
        await first.ClickAsync();
        await Expect(maya.GetByRole(AriaRole.Heading, new() { Name = $"Post-incident report: {reference}", Exact = false, Level = 1 })).ToBeVisibleAsync();
        await Expect(maya.GetByTestId("report-timeline").Locator("tbody tr").First).ToContainTextAsync("Opened");
        await maya.GetByRole(AriaRole.Link, new() { Name = reference, Exact = true }).ClickAsync();
        await maya.GetByRole(AriaRole.Link, new() { Name = "Post-incident report →" }).ClickAsync();
        await Expect(maya.GetByRole(AriaRole.Heading, new() { Name = $"Post-incident report: {reference}", Exact = false, Level = 1 })).ToBeVisibleAsync();

        var olivia = await app.SignInAsync("Olivia Grant");
        await olivia.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Reports" }).ClickAsync();
        await Expect(olivia.GetByTestId("response-times").Locator("tr[data-group='tenant']")).ToHaveCountAsync(1); // Northwind only
        await Expect(olivia.GetByTestId("response-times").GetByRole(AriaRole.Columnheader, new() { Name = "Missed ack target" })).ToHaveCountAsync(0);
    }
}
