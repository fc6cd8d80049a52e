using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Portal.Infrastructure.Data;
using Shouldly;

namespace Portal.EndToEndTests;

/// <summary>Pages fit the screen they are read on: nothing makes a page scroll sideways (a wide table scrolls inside its own frame).</summary>
public sealed class LayoutTests(PortalApp app)
{
    private static readonly (string Person, string[] Paths)[] Pages =
    [
        ("Maya Chen", ["/triage", "{incident}", "{incident}/remediation", "{incident}/report", "/reports", "/advisories", "/advisories/{advisory}", "/advisories/{demo-advisory}", "/escalations"]),
        ("Ines Duarte", ["/advisories/{demo-advisory}"]), // not yet acknowledged: two buttons per tenant
        ("Liam O'Brien", ["/escalations", "/contracts", "/msps/{harbor}/notification-endpoints", "/msps/{harbor}/notification-deliveries"]),
        ("Olivia Grant", ["/status", "/contracts", "/reports", "/tenants/{northwind}/email-subscriptions"]),
        ("Priya Raman", ["/provider", "/provider/advisories", "/provider/advisories/{advisory}", "/provider/advisories/new"]),
        ("Ada Lovelace", ["/admin/organisations"]),
    ];

    [Theory]
    [InlineData(1280, 800)]
    [InlineData(390, 844)]
    public async Task No_page_scrolls_sideways(int width, int height)
    {
        var advisory = await PublishAdvisoryAsync(); // so that the advisory pages have rows to lay out
        var demoAdvisory = await DemoAdvisoryAsync(); // with a runbook: Markdown, a long driver path in a code span
        var (harbor, northwind) = await app.ReadAsync(async db => (
            (await db.Organisations.SingleAsync(o => o.Name == DemoData.HarborMsp, TestContext.Current.CancellationToken)).Id.ToString(),
            (await db.Organisations.SingleAsync(o => o.Name == "Northwind Airways", TestContext.Current.CancellationToken)).Id.ToString()));
        await LongWordedIncidentAsync(northwind); // on Olivia's status page and first in Maya's triage (Sev1, newest)
        var wide = new List<string>();
        foreach (var (person, paths) in Pages)
        {
            var page = await app.SignInAsync(person);
            await page.SetViewportSizeAsync(width, height);
            var incident = person == "Maya Chen" ? await FirstIncidentAsync(page) : null;
            foreach (var path in paths)
            {
                await page.GotoAsync(path.Replace("{incident}", incident, StringComparison.Ordinal).Replace("{advisory}", advisory, StringComparison.Ordinal)
                    .Replace("{demo-advisory}", demoAdvisory, StringComparison.Ordinal)
                    .Replace("{harbor}", harbor, StringComparison.Ordinal).Replace("{northwind}", northwind, StringComparison.Ordinal));
                var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
                var (scroll, client) = (widths[0], widths[1]);
                if (scroll > client) wide.Add($"{person} {path}: {scroll} px wide in {client}");
            }
        }
        wide.ShouldBeEmpty();
    }

    /// <summary>
    /// The advisory's tenants sit in a side column beside its runbook: as a table, two buttons per tenant made it wider than the
    /// column on every desktop width, and "Acknowledge" was cut off at the frame's edge. Where the column is narrow the rows are cards.
    /// </summary>
    [Theory]
    [InlineData(1024)]
    [InlineData(1280)]
    [InlineData(1440)]
    public async Task An_advisorys_tenant_rows_keep_their_buttons_in_view_beside_the_runbook(int width)
    {
        var demoAdvisory = await DemoAdvisoryAsync();
        var ines = await app.SignInAsync("Ines Duarte"); // her tenants have not acknowledged the demo advisory: two buttons each
        await ines.SetViewportSizeAsync(width, 900);
        await ines.GotoAsync($"/advisories/{demoAdvisory}");
        var frame = ines.Locator(".table-wrap", new() { Has = ines.GetByTestId("advisory-tenants") });
        var frameBox = (await frame.BoundingBoxAsync())!;
        var buttons = ines.GetByTestId("advisory-tenants").GetByRole(AriaRole.Button);
        (await buttons.CountAsync()).ShouldBe(4);
        foreach (var button in await buttons.AllAsync())
        {
            var box = (await button.BoundingBoxAsync())!;
            (box.X + box.Width).ShouldBeLessThanOrEqualTo(frameBox.X + frameBox.Width, $"{await button.InnerTextAsync()} at {width} px");
        }
        (await frame.EvaluateAsync<bool>("wrap => wrap.scrollWidth <= wrap.clientWidth")).ShouldBeTrue("the frame does not scroll sideways");
    }

    /// <summary>
    /// A pasted token with no space (a driver path, a 120-character hostname) wraps inside its cell: the triage queue and the task
    /// table fit their frames on a desktop, so Assignee, Next due and State stay in view. Before, one such title made the queue
    /// 2,556 px wide inside its frame, and one such hostname pushed State off the task table.
    /// </summary>
    [Fact]
    public async Task A_long_unbroken_title_or_hostname_wraps_in_its_cell_and_the_table_fits_its_frame()
    {
        var northwind = await app.ReadAsync(async db => (await db.Organisations.SingleAsync(o => o.Name == "Northwind Airways", TestContext.Current.CancellationToken)).Id);
        var maya = await app.ApiClientAsync("maya@harborit.example");
        var ct = TestContext.Current.CancellationToken;
        var marker = "wrap" + Guid.NewGuid().ToString("N")[..8];
        using var created = await maya.PostAsync($"/api/v1/tenants/{northwind}/incidents",
            JsonContent.Create(new { title = marker + new string('w', 150), severity = "Sev2" }), ct);
        var incident = (await created.Content.ReadFromJsonAsync<IdOnly>(ct))!.Id;
        using var device = await maya.PostAsync($"/api/v1/tenants/{northwind}/devices",
            JsonContent.Create(new { hostname = "kiosk-" + new string('k', 114) + marker }), ct);
        device.EnsureSuccessStatusCode();
        using var task = await maya.PostAsync($"/api/v1/incidents/{incident}/tasks",
            JsonContent.Create(new { deviceId = (await device.Content.ReadFromJsonAsync<IdOnly>(ct))!.Id }), ct);
        task.EnsureSuccessStatusCode();

        var page = await app.SignInAsync("Maya Chen");
        await page.SetViewportSizeAsync(1280, 800);
        foreach (var (path, table) in new[] { ($"/triage?q={marker}", "table.queue"), ($"/incidents/{incident}/remediation", "table.tasks") })
        {
            await page.GotoAsync(path);
            var frame = page.Locator(".table-wrap", new() { Has = page.Locator(table) });
            (await frame.Locator("tbody tr").CountAsync()).ShouldBeGreaterThan(0, path);
            var widths = await frame.EvaluateAsync<int[]>("wrap => [wrap.scrollWidth, wrap.clientWidth]");
            widths[0].ShouldBeLessThanOrEqualTo(widths[1], $"{path}: the table is {widths[0]} px wide in a {widths[1]} px frame");
        }
    }

    /// <summary>
    /// On a phone each task is a card with its state beside the device: as a table, State started 22 px past the right edge of its
    /// 319 px frame, and an engineer working through a list saw no state at all without scrolling each row sideways.
    /// </summary>
    [Fact]
    public async Task On_a_phone_a_tasks_state_is_in_view_beside_its_device()
    {
        var northwind = await app.ReadAsync(async db => (await db.Organisations.SingleAsync(o => o.Name == "Northwind Airways", TestContext.Current.CancellationToken)).Id);
        var maya = await app.ApiClientAsync("maya@harborit.example");
        var ct = TestContext.Current.CancellationToken;
        using var created = await maya.PostAsync($"/api/v1/tenants/{northwind}/incidents", JsonContent.Create(new { title = "Phone card check", severity = "Sev3" }), ct);
        var incident = (await created.Content.ReadFromJsonAsync<IdOnly>(ct))!.Id;
        using var device = await maya.PostAsync($"/api/v1/tenants/{northwind}/devices",
            JsonContent.Create(new { hostname = "kiosk-gate-b12-" + Guid.NewGuid().ToString("N")[..6], externalId = "rmm-" + Guid.NewGuid().ToString("N")[..10], site = "Terminal 2", tags = KioskTags }), ct);
        device.EnsureSuccessStatusCode();
        using var task = await maya.PostAsync($"/api/v1/incidents/{incident}/tasks", JsonContent.Create(new { deviceId = (await device.Content.ReadFromJsonAsync<IdOnly>(ct))!.Id }), ct);
        task.EnsureSuccessStatusCode();

        var page = await app.SignInAsync("Maya Chen");
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync($"/incidents/{incident}/remediation");
        var row = page.GetByTestId("task-table").Locator("tbody tr").First;
        var state = (await row.Locator(".state").BoundingBoxAsync())!;
        (state.X + state.Width).ShouldBeLessThanOrEqualTo(390, "the state is in view");
        var frame = page.Locator(".table-wrap", new() { Has = page.GetByTestId("task-table") });
        (await frame.EvaluateAsync<bool>("wrap => wrap.scrollWidth <= wrap.clientWidth")).ShouldBeTrue("the card does not scroll sideways");
        (await row.InnerTextAsync()).ShouldContain("Terminal 2");
    }

    private static readonly string[] KioskTags = ["kiosk", "gate"];

    private sealed record IdOnly(Guid Id);

    /// <summary>A title of long tokens (a file path, a hostname list), as pasted in an outage; a summary over several lines.</summary>
    private async Task LongWordedIncidentAsync(string tenantId)
    {
        var maya = await app.ApiClientAsync("maya@harborit.example");
        var title = "C:\\Windows\\System32\\drivers\\Sensor\\C-00000291-00000000-00000032.sys " + new string('x', 60) + "-" + new string('y', 60);
        using var created = await maya.PostAsync($"/api/v1/tenants/{tenantId}/incidents", JsonContent.Create(new
        {
            title = title[..Math.Min(title.Length, 200)], severity = "Sev1", customerSummary = "Line one: kiosks down.\nLine two: check-in by hand.\nLine three: next update at 04:00.",
        }), TestContext.Current.CancellationToken);
        created.EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task The_status_page_keeps_a_summarys_line_breaks()
    {
        var northwind = await app.ReadAsync(async db => (await db.Organisations.SingleAsync(o => o.Name == "Northwind Airways", TestContext.Current.CancellationToken)).Id.ToString());
        await LongWordedIncidentAsync(northwind);
        var page = await app.SignInAsync("Olivia Grant");
        await page.GotoAsync("/status");
        var summary = page.Locator(".status-incident p.summary", new() { HasText = "Line one: kiosks down." }).First;
        (await summary.InnerTextAsync()).ShouldBe("Line one: kiosks down.\nLine two: check-in by hand.\nLine three: next update at 04:00.");
    }

    /// <summary>
    /// The customer's status page lists advisories and incidents as cards of one kind: an advisory's heading (an h3 under its
    /// section's heading) once sat a line lower in its card than an incident's.
    /// </summary>
    [Fact]
    public async Task An_advisory_card_starts_as_an_incident_card_does()
    {
        var page = await app.SignInAsync("Olivia Grant"); // Northwind: the demo's advisory and incidents
        await page.GotoAsync("/status");
        var offsets = await page.EvaluateAsync<double[]>("""
            () => ["[data-advisory-status] h3", "[data-opened] h2"].map(heading => {
              const h = document.querySelector(`.status-incident${heading}`);
              return h.getBoundingClientRect().top - h.closest("article").getBoundingClientRect().top;
            })
            """);
        offsets[0].ShouldBe(offsets[1], 0.5);
    }

    private async Task<string> PublishAdvisoryAsync() => (await app.PublishSensorAdvisoryAsync("Sensor content update 291 crashes Windows hosts", "Sev1",
        "Windows machines with the sensor may fail to start after the content update.")).ToString();

    private Task<string> DemoAdvisoryAsync() =>
        app.ReadAsync(async db => (await db.Advisories.SingleAsync(a => a.Title == DemoData.SensorAdvisoryTitle, TestContext.Current.CancellationToken)).Id.ToString());

    private static async Task<string> FirstIncidentAsync(IPage page)
    {
        await page.GotoAsync("/triage");
        return (await page.Locator("table.incidents a[href^='/incidents/']").First.GetAttributeAsync("href"))!;
    }
}
