using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>
/// Issue 11's journey with three people at three laptops (three browser contexts side by side): the provider publishes an
/// advisory through the editor, the MSP acknowledges it for one tenant and fans it out there with a device filter, and the
/// customer, whose status page stays open the whole time, sees the advisory, then its linked incident, then the provider's
/// update appear without a reload. The provider's open dashboard follows the acknowledgement, the linked incident and the
/// devices the MSP's RMM integration reports done, also without a reload.
/// </summary>
public sealed partial class AdvisoryJourneyTests(PortalApp app)
{
    private const string Provider = "Sentinel Shield Security";
    private const string Service = "ShieldSensor Endpoint Agent";
    private const string Tenant = "Northwind Airways";

    /// <summary>What "without a reload" waits for: a live event, a refetch and a swap, on two busy cores.</summary>
    private static readonly LocatorAssertionsToContainTextOptions Live = new() { Timeout = 10_000 };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Provider_publishes_msp_acknowledges_and_fans_out_customer_and_provider_follow_live()
    {
        // 1. The customer has her status page open.
        var olivia = await app.SignInAsync("Olivia Grant");
        await Expect(olivia.GetByRole(AriaRole.Heading, new() { Name = Tenant, Level = 1 })).ToBeVisibleAsync();
        await Expect(olivia.Locator("#live-indicator")).ToHaveTextAsync("Live");
        await MarkNotReloadedAsync(olivia);

        // 2. The provider writes the advisory in the editor, previews the runbook as readers will see it, and publishes.
        var priya = await app.SignInAsync("Priya Raman");
        await priya.GotoAsync("/provider/advisories/new");
        var title = $"Sensor channel file crashes hosts {Guid.NewGuid():N}"[..48];
        var form = priya.GetByTestId("advisory-form");
        await form.GetByLabel("Title").FillAsync(title);
        await form.GetByLabel("Severity").SelectOptionAsync("Sev1");
        await form.GetByLabel("Status").SelectOptionAsync("Identified");
        await form.GetByRole(AriaRole.Checkbox, new() { Name = Service }).CheckAsync();
        await form.GetByLabel("Impact").FillAsync("Windows machines may fail to start after the sensor update.");
        await form.GetByLabel("Workaround / runbook").FillAsync(
            "1. Boot into **Safe Mode**\n2. Delete `C-00000291*.sys` from the CrowdStrike folder\n3. Restart\n\n<script>window.pwned = true</script>");
        await priya.GetByTestId("preview").ClickAsync();
        var preview = priya.GetByTestId("runbook-preview");
        await Expect(preview.Locator("strong", new() { HasText = "Safe Mode" })).ToHaveCountAsync(1);
        await Expect(preview.Locator("code", new() { HasText = "C-00000291*.sys" })).ToHaveCountAsync(1);
        await Expect(preview.Locator("ol > li")).ToHaveCountAsync(3);
        await Expect(preview.Locator("script")).ToHaveCountAsync(0);
        (await priya.EvaluateAsync<bool>("() => window.pwned === true")).ShouldBeFalse("the runbook's HTML ran in the preview");
        await Expect(form.GetByLabel("Title")).ToHaveValueAsync(title); // the preview keeps what was typed
        await Expect(form.GetByRole(AriaRole.Checkbox, new() { Name = Service })).ToBeCheckedAsync();

        await priya.GetByTestId("save").ClickAsync();
        await Assertions.Expect(priya).ToHaveURLAsync(DashboardUrl());
        var advisoryId = Guid.Parse(new Uri(priya.Url).Segments[^1]);
        await Expect(priya.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(title);
        await Expect(priya.GetByTestId("banner")).ToContainTextAsync($"Published: {title}");
        await Expect(priya.GetByTestId("advisory-status")).ToHaveTextAsync("Identified");
        var targeted = Number(await priya.GetByTestId("tenants-targeted").InnerTextAsync());
        targeted.ShouldBeGreaterThan(0, "every demo tenant subscribes to the sensor service");
        await Expect(priya.GetByTestId("tenants-acknowledged")).ToContainTextAsync($"0 ({targeted} not yet)");
        await Expect(priya.GetByTestId("incidents")).ToContainTextAsync("0 open");
        await MarkNotReloadedAsync(priya);

        // 3. The customer's open page shows it without a reload.
        var advisoryCard = olivia.GetByTestId($"advisory-{advisoryId}");
        await Expect(advisoryCard).ToContainTextAsync(title, Live);
        await Expect(advisoryCard).ToContainTextAsync(Provider);
        await Expect(advisoryCard).ToContainTextAsync("Identified");
        await Expect(advisoryCard).ToContainTextAsync("may fail to start");

        // 4. The MSP engineer finds it in the inbox and acknowledges it for Northwind.
        var maya = await app.SignInAsync("Maya Chen");
        await maya.GotoAsync("/advisories");
        var mine = maya.GetByTestId("inbox").Locator($"tr[data-advisory='{advisoryId}']");
        await Expect(mine).ToHaveCountAsync(3); // Northwind, Fabrikam, Tailspin: Harbor's tenants, all subscribed
        await mine.Filter(new() { HasText = Tenant }).GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await Expect(maya.GetByTestId("banner")).ToContainTextAsync($"{title}: acknowledged for {Tenant}.");
        await Expect(mine).ToHaveCountAsync(2); // the to-do list lost Northwind's row only
        await Expect(mine.Filter(new() { HasText = Tenant })).ToHaveCountAsync(0);

        // ... and on the advisory's page fans it out to Northwind only, for the devices at HQ: preview first, then for real.
        await maya.GetByTestId("advisories").GetByRole(AriaRole.Link, new() { Name = title }).ClickAsync();
        await Assertions.Expect(maya).ToHaveURLAsync(new Regex($"/advisories/{advisoryId}$"));
        var northwind = maya.GetByTestId("advisory-tenants").Locator("tbody tr").Filter(new() { HasText = Tenant });
        await Expect(northwind).ToContainTextAsync("by Maya Chen");
        await Expect(northwind).ToContainTextAsync("None"); // no linked incident yet

        var fanOut = maya.GetByTestId("fan-out-form");
        var tenantBoxes = fanOut.GetByRole(AriaRole.Checkbox);
        await Expect(tenantBoxes).ToHaveCountAsync(3);
        for (var i = 0; i < 3; i++)
        {
            var box = tenantBoxes.Nth(i);
            var label = await box.Locator("xpath=..").InnerTextAsync();
            await box.SetCheckedAsync(label.Contains(Tenant, StringComparison.Ordinal));
        }
        await fanOut.GetByLabel("Site", new() { Exact = true }).FillAsync("HQ");
        await fanOut.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        var fanOutPreview = maya.GetByTestId("fan-out-preview");
        await Expect(fanOutPreview).ToContainTextAsync("1 incident,");
        await Expect(fanOutPreview).ToContainTextAsync(new Regex("site 'hq'", RegexOptions.IgnoreCase)); // the filter ignores case
        var previewed = TasksOf().Match(await fanOutPreview.Locator("li").Filter(new() { HasText = Tenant }).InnerTextAsync());
        previewed.Success.ShouldBeTrue("the preview names Northwind's task count");
        var tasks = int.Parse(previewed.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        tasks.ShouldBeGreaterThanOrEqualTo(3, "Northwind has devices at HQ");
        await Expect(fanOutPreview.Locator("li")).ToHaveCountAsync(1); // only the chosen tenant
        await Expect(fanOut.GetByLabel("Site", new() { Exact = true })).ToHaveValueAsync("HQ"); // the form is kept as filled in
        await Expect(fanOut.GetByRole(AriaRole.Checkbox, new() { Name = Tenant })).ToBeCheckedAsync();

        // It asks first (incidents and tasks cannot be deleted); Maya has seen the preview and goes ahead.
        string? asked = null;
        maya.Dialog += async (_, dialog) => { asked = dialog.Message; await dialog.AcceptAsync(); };
        await fanOut.GetByRole(AriaRole.Button, new() { Name = "Open incidents" }).ClickAsync();
        await Expect(maya.GetByTestId("banner")).ToContainTextAsync($"1 linked incident opened with {tasks} tasks.");
        asked.ShouldNotBeNull().ShouldStartWith("Open a linked incident now in each tenant ticked");
        var incidentLink = northwind.GetByRole(AriaRole.Link, new() { NameRegex = NwaReference() });
        await Expect(incidentLink).ToHaveCountAsync(1);
        var reference = (await incidentLink.InnerTextAsync()).Trim();
        var incidentId = Guid.Parse((await incidentLink.GetAttributeAsync("href"))!.Split('/')[^1]);
        // The other two tenants were left out: still no linked incident.
        await Expect(maya.GetByTestId("advisory-tenants").Locator("tbody tr").Filter(new() { HasText = "None" })).ToHaveCountAsync(2);

        // 5. The customer's open page shows the linked incident, its devices and the advisory, still without a reload.
        var incidentCard = olivia.GetByRole(AriaRole.Article, new() { Name = $"{Provider}: {title}" });
        await Expect(incidentCard).ToContainTextAsync(reference, Live);
        await Expect(incidentCard).ToContainTextAsync("may fail to start"); // the advisory's impact is the customer summary
        await Expect(incidentCard.Locator(".progress-line")).ToContainTextAsync($"0 of {tasks} devices restored", Live);
        await ExpectNotReloadedAsync(olivia, "the customer's status page");

        // 6. The provider's open dashboard follows: one tenant acknowledged, one linked incident, the devices to restore.
        await Expect(priya.GetByTestId("tenants-acknowledged")).ToContainTextAsync($"1 ({targeted - 1} not yet)", Live);
        await Expect(priya.GetByTestId("incidents")).ToContainTextAsync("1 open · 0 resolved", Live);
        await Expect(priya.GetByTestId("devices")).ToContainTextAsync($"0 of {tasks}", Live);

        // The MSP's RMM integration reports three machines fixed through the API, by task id.
        using var rmm = await app.ApiClientAsync("rmm@harborit.example");
        var taskIds = (await rmm.GetFromJsonAsync<JsonElement>($"api/v1/incidents/{incidentId}/tasks?limit=3", Ct)).GetProperty("items").EnumerateArray()
            .Select(t => t.GetProperty("id").GetGuid()).ToList();
        taskIds.Count.ShouldBe(3);
        using (var bulk = await rmm.PostAsJsonAsync($"api/v1/incidents/{incidentId}/tasks/bulk-state",
            new { state = "Done", items = taskIds.Select(id => new { taskId = id }), summary = "Safe-mode fix confirmed by RMM" }, Ct))
        {
            bulk.IsSuccessStatusCode.ShouldBeTrue(await bulk.Content.ReadAsStringAsync(Ct));
        }

        await Expect(priya.GetByTestId("devices")).ToContainTextAsync($"3 of {tasks}", Live);
        await Expect(priya.GetByTestId("devices").Locator("progress")).ToHaveAttributeAsync("value", "3");
        await Expect(incidentCard.Locator(".progress-line")).ToContainTextAsync($"3 of {tasks} devices restored", Live);
        await ExpectNotReloadedAsync(priya, "the provider's dashboard");
        // What the provider sees is counts: no customer's name, incident reference or device anywhere on the page.
        var dashboard = await priya.ContentAsync();
        dashboard.ShouldNotContain(Tenant);
        dashboard.ShouldNotContain(reference);
        dashboard.ShouldNotContain("NWA-");

        // 7. The provider posts an update on the dashboard; the customer's open page shows it on the advisory and on the linked incident.
        var updateForm = priya.GetByTestId("update-form");
        await updateForm.GetByLabel("Status from now on").SelectOptionAsync("Mitigating");
        var update = $"Fixed content is rolling out {Guid.NewGuid():N}"[..40];
        await updateForm.GetByLabel("Update").FillAsync(update);
        await updateForm.GetByRole(AriaRole.Button, new() { Name = "Post update" }).ClickAsync();
        await Expect(priya.GetByTestId("banner")).ToContainTextAsync("posted; it reaches every linked incident.");
        await Expect(priya.GetByTestId("advisory-status")).ToHaveTextAsync("Mitigating");

        await Expect(olivia.GetByTestId($"advisory-latest-{advisoryId}")).ToContainTextAsync(update, Live);
        await Expect(advisoryCard).ToHaveAttributeAsync("data-advisory-status", "Mitigating");
        await Expect(incidentCard.Locator(".updates")).ToContainTextAsync($"Advisory update from {Provider} (Mitigating): {update}", Live);
        await ExpectNotReloadedAsync(olivia, "the customer's status page");
    }

    private static async Task MarkNotReloadedAsync(IPage page) => await page.EvaluateAsync("() => { window.portalNotReloaded = true; }"); // a reload would lose this

    private static async Task ExpectNotReloadedAsync(IPage page, string what) =>
        (await page.EvaluateAsync<bool>("() => window.portalNotReloaded === true")).ShouldBeTrue($"{what} reloaded instead of updating in place");

    private static int Number(string text) =>
        int.Parse(LeadingNumber().Match(text).Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"/provider/advisories/[0-9a-f-]{36}$")]
    private static partial Regex DashboardUrl();

    [GeneratedRegex(@"^NWA-\d+$")]
    private static partial Regex NwaReference();

    [GeneratedRegex(@"([\d,]+) tasks")]
    private static partial Regex TasksOf();

    [GeneratedRegex(@"[\d,]+")]
    private static partial Regex LeadingNumber();
}
