using Microsoft.Playwright;
using Shouldly;

namespace Portal.EndToEndTests;

/// <summary>Pages fit the screen they are read on: nothing makes a page scroll sideways (a wide table scrolls inside its own frame).</summary>
public sealed class LayoutTests(PortalApp app)
{
    private static readonly (string Person, string[] Paths)[] Pages =
    [
        ("Maya Chen", ["/triage", "{incident}", "{incident}/remediation", "/advisories", "/escalations"]),
        ("Liam O'Brien", ["/escalations", "/contracts"]),
        ("Olivia Grant", ["/status", "/contracts"]),
        ("Priya Raman", ["/provider", "/provider/advisories", "/provider/advisories/new"]),
        ("Ada Lovelace", ["/admin/organisations"]),
    ];

    [Theory]
    [InlineData(1280, 800)]
    [InlineData(390, 844)]
    public async Task No_page_scrolls_sideways(int width, int height)
    {
        var wide = new List<string>();
        foreach (var (person, paths) in Pages)
        {
            var page = await app.SignInAsync(person);
            await page.SetViewportSizeAsync(width, height);
            var incident = person == "Maya Chen" ? await FirstIncidentAsync(page) : null;
            foreach (var path in paths)
            {
                await page.GotoAsync(path.Replace("{incident}", incident, StringComparison.Ordinal));
                var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
                var (scroll, client) = (widths[0], widths[1]);
                if (scroll > client) wide.Add($"{person} {path}: {scroll} px wide in {client}");
            }
        }
        wide.ShouldBeEmpty();
    }

    private static async Task<string> FirstIncidentAsync(IPage page)
    {
        await page.GotoAsync("/triage");
        return (await page.Locator("table.incidents a[href^='/incidents/']").First.GetAttributeAsync("href"))!;
    }
}
