using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>
/// The remediation page as an MSP engineer works it during an outage, with the customer's status page open beside it and
/// the MSP's RMM script reporting fixed machines through the API: counts, the customer's "N of M devices restored" and
/// the burn-down all move without a reload.
/// </summary>
public sealed class RemediationJourneyTests(PortalApp app)
{
    private static readonly LocatorAssertionsToHaveTextOptions WithinFiveSeconds = new() { Timeout = 5_000 };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_engineer_sets_ticked_tasks_done_and_a_bulk_update_from_the_rmm_tool_moves_counts_and_burn_down_live()
    {
        var maya = await app.SignInAsync("Maya Chen");
        var title = TriagePage.UniqueTitle("Boot loop at the hangar");
        await TriagePage.OpenIncidentAsync(maya, "Northwind Airways (NWA)", title, "Sev1", "Hangar PCs restart in a loop.");
        var incidentId = Guid.Parse(new Uri(maya.Url).Segments[^1]);

        // Twenty affected devices become tasks through the API, as an engineer's script would add them.
        using var api = await app.ApiClientAsync("maya@harborit.example");
        var tenantId = (await api.GetFromJsonAsync<JsonElement>($"api/v1/incidents/{incidentId}", Ct)).GetProperty("tenantId").GetGuid();
        var devices = (await api.GetFromJsonAsync<JsonElement>($"api/v1/tenants/{tenantId}/devices?limit=20", Ct)).GetProperty("items").EnumerateArray()
            .Select(d => (Id: d.GetProperty("id").GetGuid(), ExternalId: d.GetProperty("externalId").GetString()!)).ToList();
        devices.Count.ShouldBe(20);
        foreach (var device in devices)
            (await api.PostAsJsonAsync($"api/v1/incidents/{incidentId}/tasks", new { deviceId = device.Id }, Ct)).EnsureSuccessStatusCode();

        // The incident page links to the remediation page, which shows the counts and draws the burn-down.
        await maya.ReloadAsync();
        await Expect(maya.GetByTestId("incident-progress")).ToContainTextAsync("0 of 20 devices restored");
        await maya.GetByTestId("remediation-link").ClickAsync();
        await Expect(maya.GetByTestId("count-Pending")).ToHaveTextAsync("20");
        await Expect(maya.GetByTestId("burndown").Locator("canvas")).ToHaveCountAsync(1);
        await Expect(maya.Locator("#live-indicator")).ToHaveTextAsync("Live");
        await maya.EvaluateAsync("() => { window.portalNotReloaded = true; }");

        // Tick three, set them Done: the same bulk command the API has, with the page's cookie.
        var rows = maya.GetByTestId("task-table").Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(20);
        for (var i = 0; i < 3; i++) await rows.Nth(i).GetByRole(AriaRole.Checkbox).CheckAsync();
        // No state is chosen for her (the first, Pending, would undo ticked Done tasks): Apply alone sends nothing.
        await Expect(maya.GetByLabel("New state")).ToHaveValueAsync("");
        var posts = 0;
        maya.Request += (_, request) => { if (request.Method == "POST") posts++; };
        await maya.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        (await maya.GetByLabel("New state").EvaluateAsync<bool>("select => select.validity.valueMissing")).ShouldBeTrue();
        await maya.WaitForTimeoutAsync(500);
        posts.ShouldBe(0);
        await maya.GetByLabel("New state").SelectOptionAsync("Done");
        await maya.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Expect(maya.GetByRole(AriaRole.Status)).ToContainTextAsync("3 tasks set to Done");
        await Expect(maya.GetByTestId("count-Done")).ToHaveTextAsync("3");
        await Expect(maya.GetByTestId("count-Pending")).ToHaveTextAsync("17");
        await Expect(maya.GetByTestId("burndown")).ToHaveAttributeAsync("data-remaining", "17");
        await maya.EvaluateAsync("() => { window.portalNotReloaded = true; }"); // the post above was a navigation; mark the page again

        // The customer watches their status page.
        var olivia = await app.SignInAsync("Olivia Grant");
        await olivia.GotoAsync($"/status/{tenantId}");
        var card = olivia.GetByRole(AriaRole.Article, new() { Name = title });
        await Expect(card.Locator(".progress-line")).ToContainTextAsync("3 of 20 devices restored");
        await Expect(olivia.Locator("#live-indicator")).ToHaveTextAsync("Live");

        // The MSP's RMM integration reports ten more machines fixed, by their RMM ids, through the API.
        using var rmm = await app.ApiClientAsync("rmm@harborit.example");
        using var bulk = await rmm.PostAsJsonAsync($"api/v1/incidents/{incidentId}/tasks/bulk-state",
            new { state = "Done", items = devices.Skip(10).Select(d => new { externalId = d.ExternalId }), summary = "Safe-mode fix confirmed" }, Ct);
        bulk.EnsureSuccessStatusCode();

        await Expect(maya.GetByTestId("count-Done")).ToHaveTextAsync("13", WithinFiveSeconds);
        await Expect(card.Locator(".progress-line")).ToContainTextAsync("13 of 20 devices restored", new() { Timeout = 5_000 });
        await Expect(maya.GetByTestId("burndown").Locator("canvas")).ToHaveCountAsync(1);
        // The chart was drawn again with the bulk update in its last point (two changes in one second share a point, so count nothing else).
        await Expect(maya.GetByTestId("burndown")).ToHaveAttributeAsync("data-remaining", "7", new() { Timeout = 5_000 });

        // One task changed on its own writes no timeline entry: only the coalesced progress event tells the pages.
        var taskId = (await rmm.GetFromJsonAsync<JsonElement>($"api/v1/incidents/{incidentId}/tasks?state=Pending&limit=1", Ct))
            .GetProperty("items")[0].GetProperty("id").GetGuid();
        (await rmm.PostAsJsonAsync($"api/v1/tasks/{taskId}/state", new { state = "Done" }, Ct)).EnsureSuccessStatusCode();
        await Expect(maya.GetByTestId("count-Done")).ToHaveTextAsync("14", WithinFiveSeconds);
        await Expect(card.Locator(".progress-line")).ToContainTextAsync("14 of 20 devices restored", new() { Timeout = 5_000 });
        (await maya.EvaluateAsync<bool>("() => window.portalNotReloaded === true")).ShouldBeTrue("the remediation page reloaded instead of updating in place");
    }

    [Fact]
    public async Task A_fresh_incidents_burn_down_spans_ten_minutes_from_its_one_point_not_years()
    {
        var (maya, incidentId) = await MayaOpensAnIncidentWithDeviceTasksAsync("Fabrikam Health (FAB)", "One ward PC boot-looping", "Sev3", "One PC restarts.", devices: 1);
        using var api = await app.ApiClientAsync("maya@harborit.example");
        var points = (await api.GetFromJsonAsync<JsonElement>($"api/v1/incidents/{incidentId}/burn-down", Ct)).GetProperty("points");
        points.GetArrayLength().ShouldBe(1);

        await maya.GotoAsync($"/incidents/{incidentId}/remediation");
        var chart = maya.GetByTestId("burndown");
        await Expect(chart.Locator("canvas")).ToHaveCountAsync(1);
        await Expect(chart).ToHaveAttributeAsync("data-points", "1");
        // uPlot alone widened a single point's axis to about three years (2027 to 2029 for a point in December 2026).
        (await chart.GetAttributeAsync("data-from")).ShouldBe(points[0].GetProperty("at").GetInt64().ToString());
        (long.Parse((await chart.GetAttributeAsync("data-to"))!) - long.Parse((await chart.GetAttributeAsync("data-from"))!)).ShouldBe(600);

        // Pointing at the chart names the point's time as the page writes times, in UTC (uPlot alone: the browser's local time, "12/7/26 1:48pm").
        var at = DateTimeOffset.FromUnixTimeSeconds(points[0].GetProperty("at").GetInt64());
        await chart.Locator(".u-over").HoverAsync();
        await Expect(chart.Locator(".u-legend .u-value").First).ToHaveTextAsync(at.ToString("d MMM HH:mm", CultureInfo.InvariantCulture) + " UTC");
    }

    [Fact]
    public async Task A_burn_down_runs_to_now_so_the_time_since_anything_moved_shows()
    {
        // The demo's boot-loop incident: its last wave of fixes was minutes before the app started, and no test moves its tasks.
        var incidentId = await app.ReadAsync(db => db.Incidents.Where(i => i.Reference == "NWA-1").Select(i => i.Id).SingleAsync());
        using var api = await app.ApiClientAsync("maya@harborit.example");
        var points = (await api.GetFromJsonAsync<JsonElement>($"api/v1/incidents/{incidentId}/burn-down", Ct)).GetProperty("points");
        var lastChange = points[points.GetArrayLength() - 1].GetProperty("at").GetInt64();
        var maya = await app.SignInAsync("Maya Chen");

        await maya.GotoAsync($"/incidents/{incidentId}/remediation");
        var chart = maya.GetByTestId("burndown");
        await Expect(chart.Locator("canvas")).ToHaveCountAsync(1);
        var drawnTo = long.Parse((await chart.GetAttributeAsync("data-to"))!);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        drawnTo.ShouldBeInRange(now - 30, now + 1, "the axis ends at now");
        (drawnTo - lastChange).ShouldBeGreaterThan(60, "the last change is not the end of the axis: the flat line after it is the time nothing moved");
        long.Parse((await chart.GetAttributeAsync("data-from"))!).ShouldBe(points[0].GetProperty("at").GetInt64());
        // What the last point says is still what the counts say, whatever is drawn after it; with the pointer off the chart the
        // legend reads it, as of now.
        var remaining = points[points.GetArrayLength() - 1].GetProperty("remaining").GetInt32().ToString(CultureInfo.InvariantCulture);
        await Expect(chart).ToHaveAttributeAsync("data-remaining", remaining);
        var legend = chart.Locator(".u-legend .u-value");
        await Expect(legend.Nth(0)).ToHaveTextAsync(new Regex(@"^\d{1,2} [A-Z][a-z]{2} \d{2}:\d{2} UTC$"));
        await Expect(legend.Nth(1)).ToHaveTextAsync(remaining);
        await Expect(legend.Nth(2)).ToHaveTextAsync((await chart.GetAttributeAsync("data-done"))!);
    }

    /// <summary>
    /// A page left open (a wall screen through the night) keeps its chart running to now: the flat line is drawn on each minute,
    /// not left where the page was loaded. A chart zoomed into keeps its window.
    /// </summary>
    [Fact]
    public async Task A_burn_down_left_open_runs_on_to_now_and_a_zoomed_one_keeps_its_window()
    {
        var incidentId = await app.ReadAsync(db => db.Incidents.Where(i => i.Reference == "NWA-1").Select(i => i.Id).SingleAsync());
        var maya = await app.SignInAsync("Maya Chen");
        await maya.Clock.InstallAsync(); // the page's clock, which the test moves on: minutes pass in a moment
        var outage = await LiveSocketOutage.OpenAsync(maya, $"/incidents/{incidentId}/remediation");
        var chart = maya.GetByTestId("burndown");
        await Expect(chart.Locator("canvas")).ToHaveCountAsync(1);
        // Minutes passing in a moment time the socket out, and the refetch after its reconnect would draw the chart anew: with
        // the socket kept down, what moves the chart on is the page's own minute.
        await outage.BeginAsync();
        var loadedTo = await DrawnToAsync();

        await maya.Clock.FastForwardAsync("05:00");
        await Expect(chart).Not.ToHaveAttributeAsync("data-to", loadedTo.ToString(CultureInfo.InvariantCulture));
        var movedOnTo = await DrawnToAsync();
        movedOnTo.ShouldBeGreaterThanOrEqualTo(loadedTo + 295, "drawn on to five minutes later");

        // A drag across the chart's middle zooms into it; the next minutes do not take the window away.
        var box = (await chart.Locator(".u-over").BoundingBoxAsync())!;
        await maya.Mouse.MoveAsync(box.X + box.Width * 0.3f, box.Y + box.Height / 2);
        await maya.Mouse.DownAsync();
        await maya.Mouse.MoveAsync(box.X + box.Width * 0.6f, box.Y + box.Height / 2, new() { Steps = 5 });
        await maya.Mouse.UpAsync();
        await Expect(chart).Not.ToHaveAttributeAsync("data-to", movedOnTo.ToString(CultureInfo.InvariantCulture));
        var zoomedTo = await DrawnToAsync();
        zoomedTo.ShouldBeLessThan(movedOnTo);
        await maya.Mouse.MoveAsync(0, 0);
        await maya.Clock.FastForwardAsync("05:00");
        (await DrawnToAsync()).ShouldBe(zoomedTo);

        async Task<double> DrawnToAsync() => double.Parse((await chart.GetAttributeAsync("data-to"))!, CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task The_engineer_ticks_every_task_on_the_page_at_once_and_sees_how_many_one_apply_will_change()
    {
        var (maya, incidentId) = await MayaOpensAnIncidentWithDeviceTasksAsync("Tailspin Logistics (TSL)", "Depot scanners boot-looping", "Sev2", "Scanners restart.", devices: 5);
        await maya.GotoAsync($"/incidents/{incidentId}/remediation");

        var rows = maya.GetByTestId("task-table").Locator("tbody tr");
        var all = maya.GetByLabel("Tick every task on this page");
        var ticked = maya.GetByTestId("ticked-count");
        await Expect(rows).ToHaveCountAsync(5);
        await Expect(ticked).ToHaveTextAsync("");

        await all.CheckAsync();
        await Expect(rows.Locator("input[type=checkbox]:checked")).ToHaveCountAsync(5);
        await Expect(ticked).ToHaveTextAsync("5 tasks ticked");

        // One taken out again: the header box is neither ticked nor clear, and the count follows.
        await rows.Nth(0).GetByRole(AriaRole.Checkbox).UncheckAsync();
        await Expect(ticked).ToHaveTextAsync("4 tasks ticked");
        await Expect(all).Not.ToBeCheckedAsync();
        (await all.EvaluateAsync<bool>("box => box.indeterminate")).ShouldBeTrue();

        await maya.GetByLabel("New state").SelectOptionAsync("InProgress");
        await maya.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Expect(maya.GetByRole(AriaRole.Status)).ToContainTextAsync("4 tasks set to In progress");
        await Expect(maya.GetByTestId("count-InProgress")).ToHaveTextAsync("4");
        await Expect(maya.GetByTestId("count-Pending")).ToHaveTextAsync("1");

        // The page after the change starts with nothing ticked; ticking all and clearing all leaves nothing ticked.
        await Expect(ticked).ToHaveTextAsync("");
        await all.CheckAsync();
        await all.UncheckAsync();
        await Expect(rows.Locator("input[type=checkbox]:checked")).ToHaveCountAsync(0);
        await Expect(ticked).ToHaveTextAsync("");

        // A range: the second row, then shift-click on the fourth ticks the three; shift-click again on the second clears them.
        await rows.Nth(1).GetByRole(AriaRole.Checkbox).ClickAsync();
        await rows.Nth(3).GetByRole(AriaRole.Checkbox).ClickAsync(new() { Modifiers = [KeyboardModifier.Shift] });
        await Expect(ticked).ToHaveTextAsync("3 tasks ticked");
        for (var i = 0; i < 5; i++)
            await Expect(rows.Nth(i).GetByRole(AriaRole.Checkbox)).ToBeCheckedAsync(new() { Checked = i is >= 1 and <= 3 });
        await rows.Nth(1).GetByRole(AriaRole.Checkbox).ClickAsync(new() { Modifiers = [KeyboardModifier.Shift] });
        await Expect(ticked).ToHaveTextAsync("");
    }

    [Fact]
    public async Task The_engineer_takes_one_task_from_its_page_moves_it_and_the_page_follows_the_rmm_tool_live()
    {
        var maya = await app.SignInAsync("Maya Chen");
        await TriagePage.OpenIncidentAsync(maya, "Tailspin Logistics (TSL)", TriagePage.UniqueTitle("Depot PC stuck at recovery"), "Sev2", "One depot PC asks for its key.");
        var incidentId = Guid.Parse(new Uri(maya.Url).Segments[^1]);
        using var api = await app.ApiClientAsync("maya@harborit.example");
        var tenantId = (await api.GetFromJsonAsync<JsonElement>($"api/v1/incidents/{incidentId}", Ct)).GetProperty("tenantId").GetGuid();
        var device = (await api.GetFromJsonAsync<JsonElement>($"api/v1/tenants/{tenantId}/devices?limit=1", Ct)).GetProperty("items")[0];
        var hostname = device.GetProperty("hostname").GetString()!;
        using var created = await api.PostAsJsonAsync($"api/v1/incidents/{incidentId}/tasks", new { deviceId = device.GetProperty("id").GetGuid() }, Ct);
        var taskId = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        // From the task list to the task's page.
        await maya.GotoAsync($"/incidents/{incidentId}/remediation");
        await maya.GetByTestId("task-table").GetByRole(AriaRole.Link, new() { Name = hostname }).ClickAsync();
        await Expect(maya.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(hostname);
        await Expect(maya.GetByTestId("task-assignee")).ToHaveTextAsync("Unassigned");

        // She takes it and starts on it.
        await maya.GetByTestId("take-task").ClickAsync();
        await Expect(maya.GetByRole(AriaRole.Status)).ToContainTextAsync($"{hostname} assigned to Maya Chen");
        await Expect(maya.GetByTestId("task-assignee")).ToHaveTextAsync("Maya Chen");
        await maya.GetByLabel("Move to").SelectOptionAsync("InProgress");
        await maya.GetByRole(AriaRole.Button, new() { Name = "Move" }).ClickAsync();
        await Expect(maya.GetByRole(AriaRole.Status)).ToContainTextAsync($"{hostname} is In progress");
        await Expect(maya.GetByTestId("task-state")).ToHaveTextAsync("In progress");
        await Expect(maya.GetByTestId("task-history").Locator("tbody tr")).ToHaveCountAsync(1);
        await Expect(maya.Locator("#live-indicator")).ToHaveTextAsync("Live");
        await maya.EvaluateAsync("() => { window.portalNotReloaded = true; }");

        // The RMM script reports the machine fixed: the page shows it without a reload.
        using var rmm = await app.ApiClientAsync("rmm@harborit.example");
        (await rmm.PostAsJsonAsync($"api/v1/tasks/{taskId}/state", new { state = "Done" }, Ct)).EnsureSuccessStatusCode();
        await Expect(maya.GetByTestId("task-state")).ToHaveTextAsync("Done", WithinFiveSeconds);
        await Expect(maya.GetByTestId("task-history").Locator("tbody tr")).ToHaveCountAsync(2);
        (await maya.EvaluateAsync<bool>("() => window.portalNotReloaded === true")).ShouldBeTrue("the task page reloaded instead of updating in place");
    }

    [Fact]
    public async Task The_engineer_uploads_a_csv_watches_the_import_finish_and_the_counts_follow_an_rmm_bulk_update()
    {
        var maya = await app.SignInAsync("Maya Chen");
        var title = TriagePage.UniqueTitle("Terminals crash at the gates");
        await TriagePage.OpenIncidentAsync(maya, "Northwind Airways (NWA)", title, "Sev1", "Gate terminals restart in a loop.");
        var incidentId = Guid.Parse(new Uri(maya.Url).Segments[^1]);
        await maya.GetByTestId("remediation-link").ClickAsync();
        await Expect(maya.GetByTestId("no-tasks")).ToBeVisibleAsync();

        // 240 gate terminals (new devices of the tenant), two lines without a hostname, quoted tags with the separator inside.
        var marker = Guid.NewGuid().ToString("N")[..6];
        var csv = new System.Text.StringBuilder("hostname;external_id;os;site;tags\n");
        for (var n = 1; n <= 240; n++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"GATE-{marker}-{n:D3};gate-{marker}-{n:D3};Windows 11 23H2;Terminal {(n % 2) + 1};\"gate;kiosk\"\n");
            if (n is 100 or 200) csv.Append(";no-host-" + n + ";Windows 11;Terminal 1;gate\n");
        }
        await maya.GetByLabel("CSV file").SetInputFilesAsync(new FilePayload
        {
            Name = "gates.csv", MimeType = "text/csv", Buffer = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true).GetPreamble()
                .Concat(System.Text.Encoding.UTF8.GetBytes(csv.ToString())).ToArray(),
        });
        await maya.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();

        // The page follows the import live until it is done.
        var status = maya.GetByTestId("import-status");
        await Expect(status).ToHaveAttributeAsync("data-import-status", "Completed", new() { Timeout = 30_000 });
        await Expect(maya.GetByTestId("import-counts")).ToContainTextAsync("240 new tasks");
        await Expect(maya.GetByTestId("import-counts")).ToContainTextAsync("2 not taken");
        await Expect(maya.GetByTestId("count-Pending")).ToHaveTextAsync("240", WithinFiveSeconds);

        // The error report, fetched with the page's own cookie as the link would.
        var reportResponse = await maya.Context.APIRequest.GetAsync(await maya.GetByTestId("import-errors").GetAttributeAsync("href") ?? "");
        reportResponse.Status.ShouldBe(200);
        (reportResponse.Headers["content-type"]).ShouldStartWith("text/csv");
        var report = await reportResponse.TextAsync();
        // The header is line 1: the bad line after device 100 is line 102, the one after device 200 (and the first bad line) is 203.
        report.ShouldContain("102,,The hostname cannot be empty.");
        report.ShouldContain("203,,The hostname cannot be empty.");
        var export = await maya.Context.APIRequest.GetAsync(await maya.GetByTestId("export").GetAttributeAsync("href") ?? "");
        export.Status.ShouldBe(200);
        (await export.TextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(241, "a header and the 240 tasks");

        // Another client, the MSP's RMM integration, reports 100 of them fixed; the open page follows without a reload.
        await maya.EvaluateAsync("() => { window.portalNotReloaded = true; }");
        await Expect(maya.GetByTestId("burndown")).ToHaveAttributeAsync("data-remaining", "240", new() { Timeout = 5_000 });
        using var rmm = await app.ApiClientAsync("rmm@harborit.example");
        using var bulk = await rmm.PostAsJsonAsync($"api/v1/incidents/{incidentId}/tasks/bulk-state",
            new { state = "Done", items = Enumerable.Range(1, 100).Select(n => new { externalId = $"gate-{marker}-{n:D3}" }) }, Ct);
        bulk.EnsureSuccessStatusCode();
        await Expect(maya.GetByTestId("count-Done")).ToHaveTextAsync("100", WithinFiveSeconds);
        await Expect(maya.GetByTestId("progress-summary")).ToContainTextAsync("100 of 240 devices restored");
        await Expect(maya.GetByTestId("burndown")).ToHaveAttributeAsync("data-remaining", "140", new() { Timeout = 5_000 });
        await Expect(maya.GetByTestId("burndown")).ToHaveAttributeAsync("data-done", "100");

        // Twenty gates turn out not to need the fix: no work is left on them, and none of them counts as restored on the chart.
        using var notApplicable = await rmm.PostAsJsonAsync($"api/v1/incidents/{incidentId}/tasks/bulk-state",
            new { state = "NotApplicable", items = Enumerable.Range(101, 20).Select(n => new { externalId = $"gate-{marker}-{n:D3}" }) }, Ct);
        notApplicable.EnsureSuccessStatusCode();
        await Expect(maya.GetByTestId("burndown")).ToHaveAttributeAsync("data-remaining", "120", new() { Timeout = 5_000 });
        await Expect(maya.GetByTestId("burndown")).ToHaveAttributeAsync("data-done", "100");
        // Restored is counted as every other page counts it, of the devices the incident hit (it said "120 of 240 finished" here while
        // the incident and status pages said "100 of 220 restored").
        await Expect(maya.GetByTestId("progress-summary")).ToContainTextAsync("100 of 220 devices restored");
        await Expect(maya.GetByTestId("progress-summary")).ToContainTextAsync("20 not applicable · 120 still to do");
        (await maya.EvaluateAsync<bool>("() => window.portalNotReloaded === true")).ShouldBeTrue("the page reloaded instead of updating in place");

        // The list is as loaded (empty, before the import): it says how to see the new tasks, and that shows them.
        await maya.GetByTestId("show-new-tasks").ClickAsync();
        await Expect(maya.GetByTestId("task-table").Locator("tbody tr")).ToHaveCountAsync(100, new() { Timeout = 10_000 });
    }

    [Fact]
    public async Task The_engineer_cancels_a_running_import_after_saying_yes_and_what_came_in_stays()
    {
        var maya = await app.SignInAsync("Maya Chen");
        await TriagePage.OpenIncidentAsync(maya, "Northwind Airways (NWA)", TriagePage.UniqueTitle("Wrong kiosk list"), "Sev3", "Kiosks restart.");
        await maya.GetByTestId("remediation-link").ClickAsync();

        // Forty batches with PortalApp's pause between them: still running seconds later, when the engineer sees it is the wrong file.
        var marker = Guid.NewGuid().ToString("N")[..6];
        var csv = "hostname\n" + string.Concat(Enumerable.Range(1, 80_000).Select(n => $"KIOSK-{marker}-{n}\n"));
        await maya.GetByLabel("CSV file").SetInputFilesAsync(new FilePayload { Name = "kiosks.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
        await maya.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();
        var status = maya.GetByTestId("import-status");
        await Expect(status).ToHaveAttributeAsync("data-import-status", "Running");

        string? asked = null;
        maya.Dialog += async (_, dialog) => { asked = dialog.Message; await dialog.AcceptAsync(); };
        await maya.GetByTestId("cancel-import").ClickAsync();

        await Expect(status).ToHaveAttributeAsync("data-import-status", "Cancelled");
        asked.ShouldNotBeNull().ShouldStartWith("Cancel the import of kiosks.csv?");
        await Expect(maya.GetByTestId("banner")).ToContainTextAsync("Cancelled the import of kiosks.csv");
        await Expect(maya.GetByTestId("cancel-import")).ToHaveCountAsync(0);
        var kept = int.Parse(await maya.GetByTestId("count-Pending").InnerTextAsync(), System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture);
        kept.ShouldBeInRange(1, 79_999, "the batches before the cancel stay, the rest of the file was not read");
    }

    [Fact]
    public async Task A_refused_upload_is_explained_beside_the_field_and_nothing_is_queued()
    {
        var maya = await app.SignInAsync("Maya Chen");
        await TriagePage.OpenIncidentAsync(maya, "Northwind Airways (NWA)", TriagePage.UniqueTitle("Scanners down"), "Sev3", "Scanners restart.");
        await maya.GetByTestId("remediation-link").ClickAsync();
        await maya.GetByLabel("CSV file").SetInputFilesAsync(new FilePayload { Name = "wrong.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes("name;os\nPC-1;Windows\n") });
        await maya.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();
        await Expect(maya.Locator("[data-upload-error]")).ToContainTextAsync("hostname");
        await Expect(maya.GetByTestId("import-status")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_customer_is_refused_the_remediation_page_and_sees_only_their_own_recovery()
    {
        var olivia = await app.SignInAsync("Olivia Grant");
        var (ownTenant, foreignTenant, ownIncident) = await app.ReadAsync(async db =>
        {
            var own = db.Organisations.Single(o => o.Name == "Northwind Airways").Id;
            var foreign = db.Organisations.Single(o => o.Name == "Woodgrove Bank").Id;
            var incident = db.Incidents.Where(i => i.TenantId == own).OrderBy(i => i.Number).First().Id;
            return await Task.FromResult((own, foreign, incident));
        });

        var refused = await olivia.GotoAsync($"/incidents/{ownIncident}/remediation");
        refused!.Status.ShouldBe(403, "customers see progress, not the MSP's task list");

        var recovery = await olivia.GotoAsync($"/status/{ownTenant}/recovery");
        recovery!.Status.ShouldBe(200);
        await Expect(olivia.GetByTestId("tenant-progress")).ToContainTextAsync("devices restored");
        await Expect(olivia.GetByTestId("burndown").Locator("canvas")).ToHaveCountAsync(1);

        var foreign = await olivia.GotoAsync($"/status/{foreignTenant}/recovery");
        foreign!.Status.ShouldBe(404);
        (await olivia.ContentAsync()).ShouldNotContain("Woodgrove");
    }

    /// <summary>Maya opens an incident from the triage page, and her script adds a task for each of the tenant's first <paramref name="devices"/> devices.</summary>
    private async Task<(IPage Maya, Guid IncidentId)> MayaOpensAnIncidentWithDeviceTasksAsync(string tenant, string what, string severity, string summary, int devices)
    {
        var maya = await app.SignInAsync("Maya Chen");
        await TriagePage.OpenIncidentAsync(maya, tenant, TriagePage.UniqueTitle(what), severity, summary);
        var incidentId = Guid.Parse(new Uri(maya.Url).Segments[^1]);
        using var api = await app.ApiClientAsync("maya@harborit.example");
        var tenantId = (await api.GetFromJsonAsync<JsonElement>($"api/v1/incidents/{incidentId}", Ct)).GetProperty("tenantId").GetGuid();
        var deviceIds = (await api.GetFromJsonAsync<JsonElement>($"api/v1/tenants/{tenantId}/devices?limit={devices}", Ct)).GetProperty("items").EnumerateArray()
            .Select(d => d.GetProperty("id").GetGuid()).ToList();
        deviceIds.Count.ShouldBe(devices);
        foreach (var deviceId in deviceIds)
            (await api.PostAsJsonAsync($"api/v1/incidents/{incidentId}/tasks", new { deviceId }, Ct)).EnsureSuccessStatusCode();
        return (maya, incidentId);
    }
}
