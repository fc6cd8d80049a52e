using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;
using static Portal.EndToEndTests.Pointing;

namespace Portal.EndToEndTests;

/// <summary>
/// How a live page refreshes itself. In an outage the changes never pause: an RMM tool's updates and many tenants' incidents
/// reach a page many times a second. A page that waited for a quiet moment before refreshing would freeze exactly then; it
/// must keep refreshing (at most twice a second) and show a new incident within seconds (5 at most here) while the stream of changes goes on.
/// A page whose refetch failed says it may be behind and tries again; one whose session ended says so, instead of "Live"
/// over content nothing updates any more.
/// </summary>
public sealed class LiveRefreshTests(PortalApp app)
{
    [Fact]
    public async Task The_customer_sees_a_new_incident_while_changes_keep_arriving_every_few_milliseconds()
    {
        var ct = TestContext.Current.CancellationToken;
        var tag = Guid.NewGuid().ToString("N")[..8];
        var northwind = await app.ReadAsync(db => db.Organisations.Where(o => o.Name == "Northwind Airways").Select(o => o.Id).SingleAsync(ct));
        using var api = await app.ApiClientAsync("maya@harborit.example");
        using var busy = await api.PostAsJsonAsync($"/api/v1/tenants/{northwind}/incidents", new { title = $"Busy remediation {tag}", severity = "Sev2" }, ct);
        busy.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);
        var busyId = (await busy.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(ct)).GetProperty("id").GetGuid();

        var olivia = await app.SignInAsync("Olivia Grant"); // Northwind's status page
        await Expect(olivia.Locator("#live-indicator")).ToHaveTextAsync("Live");
        await Expect(olivia.GetByRole(AriaRole.Article, new() { Name = $"Busy remediation {tag}" })).ToBeVisibleAsync();

        // Customer updates on one incident from four senders, each every 25 ms, for up to 15 s: each reaches Olivia's page as an
        // event of her tenant's stream, many per 100 ms even when the machine is busy and a request takes longer. The new incident
        // must show within 8 s, while they still arrive (live.js before 7e29c11 refreshed only once they stopped). 5 s until
        // 2026-12-06: in the full suite on a machine loaded to 10-16 (Chromium 156.0.8078.129), the page took longer, alone it did not.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sent = 0;
        var stream = Task.WhenAll(Enumerable.Range(0, 4).Select(sender => Task.Run(async () =>
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(15) && !stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref sent);
                using var note = await api.PostAsJsonAsync($"/api/v1/incidents/{busyId}/notes", new { text = $"Wave {n} of devices re-imaged", visibility = "Customer" }, stop.Token);
                note.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);
                await Task.Delay(25, stop.Token);
            }
        }, ct)));
        try
        {
            await olivia.WaitForTimeoutAsync(1_500);
            var title = $"Baggage belts stopped {tag}";
            using var created = await api.PostAsJsonAsync($"/api/v1/tenants/{northwind}/incidents", new { title, severity = "Sev1", customerSummary = "Belts in terminal 2 stopped." }, ct);
            created.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);
            await Expect(olivia.GetByRole(AriaRole.Article, new() { Name = title })).ToBeVisibleAsync(new() { Timeout = 8_000 });
            stream.IsCompleted.ShouldBeFalse("the stream of changes was still running when the new incident showed");
        }
        finally
        {
            await stop.CancelAsync();
            try { await stream; } catch (OperationCanceledException) { }
        }
        sent.ShouldBeGreaterThan(8, "changes kept coming while the page was watched");
    }

    /// <summary>
    /// After a change every open status page refetches at once: a customer's asks for its live region alone (the tenant's, the same
    /// for everyone; the whole page is rendered per person), and what is the person's own (the header with their name) stays. An MSP
    /// member's status page refetches whole: it carries the alerts that person may have missed.
    /// </summary>
    [Fact]
    public async Task A_customers_status_page_refetches_its_live_region_alone_and_an_msp_members_the_whole_page()
    {
        var ct = TestContext.Current.CancellationToken;
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (northwind, olivia, _) = await OliviaOnHerStatusPageAsync();
        var maya = await app.SignInAsync("Maya Chen");
        await maya.GotoAsync($"/status/{northwind}");
        await Expect(maya.Locator("#live-indicator")).ToHaveTextAsync("Live");
        var refetches = new Dictionary<IPage, List<string>> { [olivia] = [], [maya] = [] };
        foreach (var (page, urls) in refetches)
            page.Request += (_, request) => { if (request.Headers.ContainsKey("x-portal-live")) lock (urls) urls.Add(request.Url); };

        using var api = await app.ApiClientAsync("maya@harborit.example");
        var title = $"Fuel gauges offline {tag}";
        using var created = await api.PostAsJsonAsync($"/api/v1/tenants/{northwind}/incidents", new { title, severity = "Sev2", customerSummary = "Fuel gauges read zero." }, ct);
        created.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);

        foreach (var page in new[] { olivia, maya })
            await Expect(page.GetByRole(AriaRole.Article, new() { Name = title })).ToBeVisibleAsync();
        await Expect(olivia.Locator("header .who")).ToContainTextAsync("Olivia Grant");
        lock (refetches[olivia]) refetches[olivia].ShouldNotBeEmpty();
        lock (refetches[olivia]) refetches[olivia].ShouldAllBe(url => url.Contains("part=live"));
        lock (refetches[maya]) refetches[maya].ShouldNotBeEmpty();
        lock (refetches[maya]) refetches[maya].ShouldAllBe(url => !url.Contains("part="));
    }

    /// <summary>
    /// The incident page a customer keeps open the same way: it refetches its regions alone, from the view all the tenant's customers
    /// share, with the incident stream's last number; the update shows, and the comment the customer is typing stays.
    /// </summary>
    [Fact]
    public async Task A_customers_incident_page_refetches_its_regions_alone_and_keeps_the_comment_being_typed()
    {
        var ct = TestContext.Current.CancellationToken;
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (northwind, olivia, _) = await OliviaOnHerStatusPageAsync();
        using var api = await app.ApiClientAsync("maya@harborit.example");
        using var created = await api.PostAsJsonAsync($"/api/v1/tenants/{northwind}/incidents", new { title = $"Check-in desks offline {tag}", severity = "Sev2", customerSummary = "Desks show a blue screen." }, ct);
        created.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);
        var id = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(ct)).GetProperty("id").GetGuid();

        await olivia.GotoAsync($"/incidents/{id}");
        await Expect(olivia.Locator("#live-indicator")).ToHaveTextAsync("Live");
        await olivia.GetByLabel("Add a comment for your service provider").FillAsync("Terminal 3 too?");
        List<string> refetches = [];
        olivia.Request += (_, request) => { if (request.Headers.ContainsKey("x-portal-live")) lock (refetches) refetches.Add(request.Url); };

        using var note = await api.PostAsJsonAsync($"/api/v1/incidents/{id}/notes", new { text = $"Desks restarting one by one {tag}", visibility = "Customer" }, ct);
        note.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);

        await Expect(olivia.Locator("[data-live-region=timeline]").GetByText($"Desks restarting one by one {tag}")).ToBeVisibleAsync();
        await Expect(olivia.GetByLabel("Add a comment for your service provider")).ToHaveValueAsync("Terminal 3 too?");
        await Expect(olivia.Locator("header .who")).ToContainTextAsync("Olivia Grant");
        lock (refetches) refetches.ShouldNotBeEmpty();
        lock (refetches) refetches.ShouldAllBe(url => url.Contains("part=live") && url.Contains("sequence="));
    }

    /// <summary>
    /// The recovery page a customer keeps open while devices come back: it refetches its region alone (the tenant's counts and
    /// burn-down, the same for everyone), the count follows each device restored, and the chart is drawn again, without a reload.
    /// Other tests may restore Northwind's devices meanwhile, so the count is awaited as at least this test's own.
    /// </summary>
    [Fact]
    public async Task A_customers_recovery_page_refetches_its_region_alone_and_redraws_the_burn_down()
    {
        var ct = TestContext.Current.CancellationToken;
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (northwind, olivia, _) = await OliviaOnHerStatusPageAsync();
        using var api = await app.ApiClientAsync("maya@harborit.example");
        using var created = await api.PostAsJsonAsync($"/api/v1/tenants/{northwind}/incidents", new { title = $"Lounge screens frozen {tag}", severity = "Sev2" }, ct);
        created.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);
        var id = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(ct)).GetProperty("id").GetGuid();
        var devices = (await api.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/tenants/{northwind}/devices?limit=2", ct)).GetProperty("items")
            .EnumerateArray().Select(d => d.GetProperty("id").GetGuid()).ToList();
        var tasks = new List<Guid>();
        foreach (var device in devices)
        {
            using var task = await api.PostAsJsonAsync($"/api/v1/incidents/{id}/tasks", new { deviceId = device }, ct);
            task.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, await task.Content.ReadAsStringAsync(ct));
            tasks.Add((await task.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(ct)).GetProperty("id").GetGuid());
        }

        await olivia.GotoAsync($"/status/{northwind}/recovery");
        await Expect(olivia.Locator("#live-indicator")).ToHaveTextAsync("Live");
        await Expect(olivia.GetByTestId("burndown").Locator("canvas")).ToHaveCountAsync(1);
        var restored = await RestoredAsync(olivia);
        await olivia.EvaluateAsync("() => { window.portalNotReloaded = true; document.querySelector('[data-burndown] canvas').dataset.before = 'yes'; }");
        List<string> refetches = [];
        olivia.Request += (_, request) => { if (request.Headers.ContainsKey("x-portal-live")) lock (refetches) refetches.Add(request.Url); };

        foreach (var task in tasks)
        {
            using var done = await api.PostAsJsonAsync($"/api/v1/tasks/{task}/state", new { state = "Done" }, ct);
            done.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, await done.Content.ReadAsStringAsync(ct));
        }

        await olivia.WaitForFunctionAsync("at => parseInt(document.querySelector('[data-testid=tenant-progress] strong').textContent.replace(/,/g, '')) >= at",
            restored + tasks.Count, new() { Timeout = 5_000 });
        await Expect(olivia.GetByTestId("burndown").Locator("canvas:not([data-before])")).ToHaveCountAsync(1); // drawn again, from the new region's data
        await Expect(olivia.GetByTestId("burndown").Locator("canvas")).ToHaveCountAsync(1);
        await Expect(olivia.Locator("header .who")).ToContainTextAsync("Olivia Grant");
        (await olivia.EvaluateAsync<bool>("() => window.portalNotReloaded === true")).ShouldBeTrue("the recovery page reloaded instead of updating in place");
        // Other tests change Northwind too: a refetch of theirs, just before the listener, can already show these counts. The
        // refetch these two changes cause follows within a second; wait for it rather than assume it came first.
        var until = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < until) { lock (refetches) if (refetches.Count > 0) break; await Task.Delay(50, ct); }
        lock (refetches) refetches.ShouldNotBeEmpty();
        lock (refetches) refetches.ShouldAllBe(url => url.Contains("part=live"));
    }

    /// <summary>The "N" of the recovery page's "N of M devices restored".</summary>
    private static async Task<int> RestoredAsync(IPage page)
    {
        var line = await page.GetByTestId("tenant-progress").Locator("strong").TextContentAsync();
        return int.Parse(line!.Split(" of ")[0].Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Olivia on Northwind's status page, live.</summary>
    private async Task<(Guid Northwind, IPage Olivia, ILocator Indicator)> OliviaOnHerStatusPageAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var northwind = await app.ReadAsync(db => db.Organisations.Where(o => o.Name == "Northwind Airways").Select(o => o.Id).SingleAsync(ct));
        var olivia = await app.SignInAsync("Olivia Grant"); // lands on Northwind's status page
        var indicator = olivia.Locator("#live-indicator");
        await Expect(indicator).ToHaveTextAsync("Live");
        return (northwind, olivia, indicator);
    }

    /// <summary>
    /// A click is a press and a release on the same element. A refresh between the two that swapped the triage queue, or shifted
    /// it (a new Sev1 row on top; the "changed by someone else" line above the link the press had focused), lost the click: the
    /// engineer pressed an incident's link and stayed on the queue. In an outage the queue refreshes up to twice a second; the
    /// suite once lost IncidentJourneyTests' click on a triage row this way. The queue now waits for the press to end.
    /// </summary>
    [Fact]
    public async Task A_link_pressed_while_the_triage_queue_refreshes_still_opens_its_incident()
    {
        using var liam = await app.ApiClientAsync("liam@harborit.example");
        var (maya, queue, tag, first) = await MayaOnANarrowedQueueAsync(liam, "Check-in kiosks frozen");

        var second = $"Gate displays blank {tag}";
        var refetched = await RefetchBringingAsync(maya, second);
        // The pointer on the link, then the button down, as a hand does. (The queue is swapped on every refetch, for its ages and
        // its antiforgery token: the hover waits for a link that stays, and the one under the pointer is then the same link.)
        await queue.GetByRole(AriaRole.Link, new() { Name = first }).HoverAsync();
        await maya.Mouse.DownAsync();
        await OpenOnNorthwindAsync(liam, second, "Sev1"); // sorted above the first
        await refetched();
        await maya.Mouse.UpAsync();

        await Expect(maya).ToHaveURLAsync(TriagePage.IncidentUrl());
        await Expect(maya.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(first);
    }

    /// <summary>Held while pressed, the queue shows what it missed once the press ends, not at the next change (there may be none).</summary>
    [Fact]
    public async Task A_queue_pressed_while_an_incident_arrives_shows_it_once_the_press_ends()
    {
        using var liam = await app.ApiClientAsync("liam@harborit.example");
        var (maya, queue, tag, first) = await MayaOnANarrowedQueueAsync(liam, "Lounge wifi down");

        var second = $"Boarding passes not printing {tag}";
        var refetched = await RefetchBringingAsync(maya, second);
        await queue.Locator("tbody td.ref").First.HoverAsync(); // text: nothing that takes the focus
        await maya.Mouse.DownAsync();
        await OpenOnNorthwindAsync(liam, second, "Sev1");
        await refetched();
        // Held on past the refetches that follow (at most every 500 ms: other changes of the tenant, from tests beside this one),
        // so that what shows the change after the release is the release itself, not the next of those.
        await maya.WaitForTimeoutAsync(1_500);
        (await queue.InnerTextAsync()).ShouldNotContain(second, customMessage: "the queue changed under the press");
        await maya.Mouse.UpAsync();

        await Expect(queue).ToContainTextAsync(second, new() { Timeout = 5_000 });
        await Expect(queue.Locator(".live-outdated")).ToHaveCountAsync(0);
    }

    /// <summary>
    /// An engineer opens incidents from the queue in new tabs (ctrl-click), and the focus stays on the link clicked. A link the
    /// mouse focused holds nothing: the queue kept for it stopped following new incidents and said it had changed "since you
    /// started here". The keyboard's focus on a link still keeps the queue as it is (the place of someone moving through it).
    /// </summary>
    [Fact]
    public async Task A_queue_whose_link_was_opened_in_a_new_tab_goes_on_following_new_incidents_and_one_focused_by_keyboard_waits()
    {
        using var liam = await app.ApiClientAsync("liam@harborit.example");
        var (maya, queue, tag, first) = await MayaOnANarrowedQueueAsync(liam, "Self-service kiosks rebooting");

        var tab = await maya.Context.RunAndWaitForPageAsync(() =>
            queue.GetByRole(AriaRole.Link, new() { Name = first }).ClickAsync(new() { Modifiers = [KeyboardModifier.ControlOrMeta] }));
        await tab.CloseAsync();
        var second = $"Baggage scanners slow {tag}";
        await OpenOnNorthwindAsync(liam, second, "Sev1");
        await Expect(queue).ToContainTextAsync(second, new() { Timeout = 5_000 });
        await Expect(queue.Locator(".live-outdated")).ToHaveCountAsync(0);

        // Moving through the queue with the keyboard: the link it is on stays where it is.
        await queue.GetByRole(AriaRole.Link, new() { Name = second }).FocusAsync();
        await maya.Keyboard.PressAsync("Shift+Tab");
        await maya.Keyboard.PressAsync("Tab");
        (await maya.EvaluateAsync<bool>("() => document.activeElement.matches(':focus-visible')")).ShouldBeTrue();
        var third = $"Lounge doors stuck {tag}";
        await OpenOnNorthwindAsync(liam, third, "Sev2");
        await Expect(queue.Locator(".live-outdated")).ToHaveCountAsync(1, new() { Timeout = 5_000 });
        (await queue.InnerTextAsync()).ShouldNotContain(third);
    }

    /// <summary>
    /// The right button is no press to hold for: its menu ("open in a new tab") can take the release, which the page then never
    /// sees, and a queue held for it would stop following the outage until the next click anywhere.
    /// </summary>
    [Fact]
    public async Task A_right_button_held_on_the_queue_does_not_stop_it_following_new_incidents()
    {
        using var liam = await app.ApiClientAsync("liam@harborit.example");
        var (maya, queue, tag, first) = await MayaOnANarrowedQueueAsync(liam, "Crew tablets offline");

        await queue.GetByRole(AriaRole.Link, new() { Name = first }).HoverAsync();
        await maya.Mouse.DownAsync(new() { Button = MouseButton.Right });
        var second = $"Fuel system alerts {tag}";
        await OpenOnNorthwindAsync(liam, second, "Sev1");
        await Expect(queue).ToContainTextAsync(second, new() { Timeout = 5_000 });
        await maya.Mouse.UpAsync(new() { Button = MouseButton.Right });
    }

    /// <summary>
    /// The pointer on its way to a row, and a Sev1 arrives on top: the queue moved down a row under it, and the click meant for
    /// one incident opened (or ticked) the one above. What the hand aims at now stays under it: the page scrolls by as much as
    /// that row moved (with room below the end when the page is too short to scroll, as this queue of two rows is).
    /// </summary>
    [Fact]
    public async Task A_row_the_pointer_is_on_stays_under_it_when_an_incident_arrives_above_and_the_click_opens_it()
    {
        using var liam = await app.ApiClientAsync("liam@harborit.example");
        var (maya, _, tag, first) = await MayaOnANarrowedQueueAsync(liam, "Catering orders lost");
        var (x, y) = await PointAtAsync(maya, "queue", first);

        var second = $"Cabin crew rosters missing {tag}";
        var refetched = await RefetchBringingAsync(maya, second);
        await maya.Mouse.MoveAsync(x, y + 1); // the hand still on the mouse when the change comes
        await OpenOnNorthwindAsync(liam, second, "Sev1"); // sorted above the first
        await refetched();

        (await ItemUnderAsync(maya, x, y + 1)).ShouldContain(first);
        await maya.Mouse.ClickAsync(x, y + 1);
        await Expect(maya).ToHaveURLAsync(TriagePage.IncidentUrl());
        await Expect(maya.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(first);
    }

    /// <summary>
    /// A row gone from above moves the one the pointer is on up (a colleague acknowledges the Sev1 on top of a queue of new
    /// incidents), and a page at its top cannot scroll up after it: the click meant for the row landed below it. Blank room
    /// above the queue keeps the row under the hand.
    /// </summary>
    [Fact]
    public async Task A_row_the_pointer_is_on_stays_under_it_when_the_one_above_leaves_the_queue_at_the_top_of_the_page()
    {
        var (maya, first, x, y) = await ThePointerOnARowWhoseOneAboveLeftTheQueueAtTheTopAsync("Crew app sign-in failing");

        (await ItemUnderAsync(maya, x, y)).ShouldContain(first);
        await maya.Mouse.ClickAsync(x, y);
        await Expect(maya.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(first);
    }

    /// <summary>
    /// The room above the queue is for a hand on the mouse; a queue can then be quiet for an hour, and the blank would stay as long.
    /// It stays while the hand moves, and goes once the hand has rested as long as live.js counts it as aiming (5 s).
    /// </summary>
    [Fact]
    public async Task The_room_kept_above_the_queue_goes_once_the_hand_rests()
    {
        var (maya, first, x, y) = await ThePointerOnARowWhoseOneAboveLeftTheQueueAtTheTopAsync("Gate displays blank");
        var roomAbove = maya.Locator(".live-room + [data-live-region=queue]"); // the queue, with the room just before it
        await Expect(roomAbove).ToHaveCountAsync(1);
        // The rows' move up took no scroll, so it needed no room below the page either (it once added some). An alert line other
        // tests raise for Maya may move the rows down meanwhile, which scrolls and may need room below: then the check is left out.
        var scrolledAndRooms = await maya.EvaluateAsync<double[]>("() => [scrollY, document.querySelectorAll('.live-room').length]");
        if (scrolledAndRooms[0] == 0) scrolledAndRooms[1].ShouldBe(1);

        for (var second = 1; second <= 6; second++) // six seconds of a hand on the mouse, moving a pixel each second
        {
            await maya.WaitForTimeoutAsync(1_000);
            await maya.Mouse.MoveAsync(x + second % 2, y);
        }
        await Expect(roomAbove).ToHaveCountAsync(1);
        (await ItemUnderAsync(maya, x, y)).ShouldContain(first);

        await Expect(maya.Locator(".live-room")).ToHaveCountAsync(0, new() { Timeout = 10_000 });
    }

    /// <summary>
    /// Maya's queue of new incidents at the top of the page, her pointer on the row <c>First</c> under a Sev1, which Liam then
    /// acknowledges: it leaves the queue, and the row moves up under the pointer (at <c>X</c>, <c>Y</c>).
    /// </summary>
    private async Task<(IPage Maya, string First, float X, float Y)> ThePointerOnARowWhoseOneAboveLeftTheQueueAtTheTopAsync(string title)
    {
        var ct = TestContext.Current.CancellationToken;
        using var liam = await app.ApiClientAsync("liam@harborit.example");
        var (maya, queue, tag, first) = await MayaOnANarrowedQueueAsync(liam, title);
        var above = $"Fuel pumps offline {tag}";
        var aboveId = await OpenOnNorthwindAsync(liam, above, "Sev1"); // sorted above the first
        await maya.SetViewportSizeAsync(1280, 1200); // the rows in view at the top with the five alert lines other tests may leave above them
        await maya.GotoAsync($"/triage?q={tag}&status=New");
        await Expect(queue).ToContainTextAsync(above);
        await Expect(maya.Locator("main[data-live-refreshed-at]")).ToHaveCountAsync(1);
        (await maya.EvaluateAsync<double>("() => scrollY")).ShouldBe(0);
        var (x, y) = await PointAtAsync(maya, "queue", first);

        using var acknowledged = await liam.PostAsync($"/api/v1/incidents/{aboveId}/acknowledge", null, ct);
        acknowledged.EnsureSuccessStatusCode();
        await Expect(queue).Not.ToContainTextAsync(above); // off a queue of new incidents
        return (maya, first, x, y);
    }

    /// <summary>
    /// A pointer left resting on the queue (someone watching it, the hand elsewhere) steers nothing: the page does not scroll the new
    /// incidents above it out of sight, and the rows move as they arrive.
    /// </summary>
    [Fact]
    public async Task A_pointer_resting_on_the_queue_for_a_while_does_not_scroll_the_page_as_incidents_arrive()
    {
        using var liam = await app.ApiClientAsync("liam@harborit.example");
        var (maya, _, tag, first) = await MayaOnANarrowedQueueAsync(liam, "Catering trucks delayed");
        var (x, y) = await PointAtAsync(maya, "queue", first);
        var scrolled = await maya.EvaluateAsync<double>("() => scrollY");
        var queueTop = await QueueTopAsync(maya);

        await maya.WaitForTimeoutAsync(5_500); // longer than live.js counts the hand as on the mouse (5 s)
        var second = $"Cabin lights flickering {tag}";
        var refetched = await RefetchBringingAsync(maya, second);
        await OpenOnNorthwindAsync(liam, second, "Sev1");
        await refetched();

        (await maya.EvaluateAsync<double>("() => scrollY")).ShouldBe(scrolled);
        await Expect(maya.Locator(".live-room")).ToHaveCountAsync(0);
        // The rows moved within the queue. In a full run an alert line other tests raise (an escalation) may also have appeared above
        // the queue meanwhile and moved all of it down (a clean clone failed so, pointing between two rows): read the same place in the queue.
        var moved = await QueueTopAsync(maya) - queueTop;
        (await ItemUnderAsync(maya, x, (float)(y + moved))).ShouldContain(second);
    }

    /// <summary>
    /// A hand on the wheel is on the mouse too: someone who scrolled to a row under a still pointer clicks it next. The turn is
    /// short of half a row, so the row stays under the pointer whether the page is tall enough to scroll or not (the queue's one
    /// row fits the window; in a full run the page once was taller, and a 40 px turn left the pointer below the row).
    /// </summary>
    [Fact]
    public async Task A_pointer_resting_on_the_queue_keeps_its_row_again_once_the_wheel_turns()
    {
        using var liam = await app.ApiClientAsync("liam@harborit.example");
        var (maya, _, tag, first) = await MayaOnANarrowedQueueAsync(liam, "Catering menus missing");
        var (x, y) = await PointAtAsync(maya, "queue", first);

        await maya.WaitForTimeoutAsync(5_500); // resting: it no longer counts
        await maya.Mouse.WheelAsync(0, 8);
        await ScrollEndedAsync(maya);
        (await ItemUnderAsync(maya, x, y)).ShouldContain(first, customMessage: "the row the wheel left under the pointer");
        var second = $"Cabin pressure alerts {tag}";
        var refetched = await RefetchBringingAsync(maya, second);
        await OpenOnNorthwindAsync(liam, second, "Sev1");
        await refetched();

        (await ItemUnderAsync(maya, x, y)).ShouldContain(first);
    }

    /// <summary>
    /// A customer's status page the same way: her pointer on her way to an incident's link, and a Sev1 arrives above it. Each
    /// incident is a keyed article (data-live-key), and the one under the pointer stays there.
    /// </summary>
    [Fact]
    public async Task An_incident_on_a_customers_status_page_stays_under_the_pointer_when_a_more_severe_one_arrives()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var maya = await app.ApiClientAsync("maya@harborit.example");
        var (_, olivia, _) = await OliviaOnHerStatusPageAsync();
        var first = $"Seat maps blank {tag}";
        await OpenOnNorthwindAsync(maya, first, "Sev4", "Seat maps show no seats.");
        var (x, y) = await PointAtAsync(olivia, "status", first);

        var second = $"Check-in closed {tag}";
        var refetched = await RefetchBringingAsync(olivia, second);
        await olivia.Mouse.MoveAsync(x, y + 1);
        await OpenOnNorthwindAsync(maya, second, "Sev1", "Check-in is closed at every airport.");
        await refetched();

        (await ItemUnderAsync(olivia, x, y + 1)).ShouldContain(first);
        await olivia.Mouse.ClickAsync(x, y + 1);
        await Expect(olivia.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(first);
    }

    /// <summary>
    /// A blind engineer's screen reader says an incident that arrives on the queue, once its row is there, politely (aria-live);
    /// arrivals in the ten seconds after that are said together at their end, the most severe named, and one outside the queue's
    /// filter is not counted. What the announcer said is recorded in the page, so a message replaced before the test reads it counts.
    /// </summary>
    [Fact]
    public async Task A_screen_reader_hears_an_incident_arrive_on_the_queue_and_the_next_few_seconds_arrivals_as_one_summary()
    {
        using var liam = await app.ApiClientAsync("liam@harborit.example");
        var (maya, queue, tag, _) = await MayaOnANarrowedQueueAsync(liam, "Gate screens dark");
        var announcer = maya.Locator("#live-announcer");
        await Expect(announcer).ToHaveAttributeAsync("aria-live", "polite");
        await RecordWhatIsSaidAsync(maya);

        var second = $"Boarding passes not printing {tag}";
        await OpenOnNorthwindAsync(liam, second, "Sev2");
        await Expect(announcer).ToHaveTextAsync(new Regex($@"^New incident NWA-\d+, Sev2: {second}\.$"));

        await OpenOnNorthwindAsync(liam, $"Baggage tags smudged {tag}", "Sev4");
        await OpenOnNorthwindAsync(liam, $"Crew lounge door stuck {Guid.NewGuid():N}", "Sev1"); // not on this queue (its filter)
        var worst = $"Runway lights out {tag}";
        await OpenOnNorthwindAsync(liam, worst, "Sev1");
        await Expect(queue).ToContainTextAsync(worst);
        (await maya.EvaluateAsync<string[]>("() => window.said")).Length.ShouldBe(1, "the rows are on the queue; said together once ten seconds have passed");

        await Expect(announcer).ToHaveTextAsync(new Regex($@"^2 new incidents\. The most severe: NWA-\d+, Sev1: {worst}\.$"), new() { Timeout = 15_000 });
        (await maya.EvaluateAsync<string[]>("() => window.said")).Length.ShouldBe(2);
    }

    /// <summary>
    /// On an incident's page the timeline's new entries are said: one at once, "Update from Maya Chen: …", the next few seconds'
    /// together with the latest named. An internal note never reaches a customer's page, so it is not said (nor counted) there.
    /// </summary>
    [Fact]
    public async Task A_customers_screen_reader_hears_the_incidents_new_updates_and_never_an_internal_note()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var maya = await app.ApiClientAsync("maya@harborit.example");
        var id = await OpenOnNorthwindAsync(maya, $"Printers offline {tag}", "Sev2");
        Task NoteAsync(string text, string visibility) => PostNoteAsync(maya, id, text, visibility);

        var (_, olivia, indicator) = await OliviaOnHerStatusPageAsync();
        await olivia.GotoAsync($"/incidents/{id}");
        await Expect(indicator).ToHaveTextAsync("Live");
        var announcer = olivia.Locator("#live-announcer");
        await NoteAsync($"The print server is being restarted {tag}.", "Customer");
        await Expect(announcer).ToHaveTextAsync($"Update from Maya Chen: The print server is being restarted {tag}.");

        await NoteAsync($"Internal: the driver update is the suspect {tag}.", "Internal");
        await NoteAsync($"Half the printers print again {tag}.", "Customer");
        await NoteAsync($"Every printer prints again {tag}.", "Customer");
        await Expect(olivia.Locator("[data-live-region=timeline]")).ToContainTextAsync($"Every printer prints again {tag}.");
        await Expect(announcer).ToHaveTextAsync($"2 new timeline entries. The latest: Update from Maya Chen: Every printer prints again {tag}.", new() { Timeout = 15_000 });
    }

    /// <summary>
    /// A queue in a tab behind another (the engineer reading a runbook at 3 a.m.) counts in its title the incidents that arrived
    /// on it meanwhile, "(2 new) …", until the tab is looked at again.
    /// </summary>
    [Fact]
    public async Task A_queue_behind_another_tab_counts_in_its_title_the_incidents_that_arrived_until_it_is_looked_at()
    {
        using var liam = await app.ApiClientAsync("liam@harborit.example");
        var (maya, queue, tag, _) = await MayaOnANarrowedQueueAsync(liam, "Ramp radios silent");
        await SetHiddenAsync(maya, true);

        var second = $"Fuel trucks idle {tag}";
        await OpenOnNorthwindAsync(liam, second, "Sev2");
        await Expect(queue).ToContainTextAsync(second);
        await Expect(maya).ToHaveTitleAsync(new Regex(@"\(1 new\) .*Triage"));
        var third = $"De-icing queue stuck {tag}";
        await OpenOnNorthwindAsync(liam, third, "Sev3");
        await Expect(queue).ToContainTextAsync(third);
        await Expect(maya).ToHaveTitleAsync(new Regex(@"\(2 new\) .*Triage"));

        await SetHiddenAsync(maya, false);
        await Expect(maya).Not.ToHaveTitleAsync(new Regex("new\\)"));
    }

    [Fact]
    public async Task An_incident_that_arrives_on_a_queue_behind_another_tab_is_tinted_until_ten_seconds_after_the_queue_is_looked_at()
    {
        using var liam = await app.ApiClientAsync("liam@harborit.example");
        var (maya, queue, tag, first) = await MayaOnANarrowedQueueAsync(liam, "Baggage belts halted");
        await SetHiddenAsync(maya, true);

        var second = $"Gate screens dark {tag}";
        await OpenOnNorthwindAsync(liam, second, "Sev2");
        var arrived = queue.Locator("tbody tr", new() { HasText = second });
        await Expect(arrived).ToHaveClassAsync(new Regex(@"\barrived\b"));
        await Expect(queue.Locator("tbody tr", new() { HasText = first })).Not.ToHaveClassAsync(new Regex(@"\barrived\b"));

        // Behind another tab for longer than the tint lasts: still tinted when the queue is looked at again, and then for ten seconds.
        await maya.WaitForTimeoutAsync(11_000);
        await Expect(arrived).ToHaveClassAsync(new Regex(@"\barrived\b"));
        await SetHiddenAsync(maya, false);
        var lookedAt = DateTime.UtcNow;
        await Expect(arrived).Not.ToHaveClassAsync(new Regex(@"\barrived\b"), new() { Timeout = 15_000 });
        (DateTime.UtcNow - lookedAt).ShouldBeGreaterThan(TimeSpan.FromSeconds(9));
    }

    [Fact]
    public async Task An_incident_opened_while_the_queues_connection_was_down_is_said_and_tinted_when_it_is_back()
    {
        using var liam = await app.ApiClientAsync("liam@harborit.example");
        var tag = Guid.NewGuid().ToString("N")[..8];
        var first = $"Baggage scanners slow {tag}";
        await OpenOnNorthwindAsync(liam, first, "Sev3");
        var maya = await app.SignInAsync("Maya Chen");
        var outage = await LiveSocketOutage.OpenAsync(maya, $"/triage?q={tag}");
        var queue = maya.Locator("[data-live-region=queue]");
        await Expect(queue).ToContainTextAsync(first);

        var second = $"Gate printers jammed {tag}";
        await outage.WhileDownAsync(() => OpenOnNorthwindAsync(liam, second, "Sev1"));
        await Expect(queue).Not.ToContainTextAsync(second); // its event had no way to the page

        // Back: the reconnect's refetch brings it, and it is said and tinted as if its event had come; the one there before is not.
        await outage.BackAsync();
        await Expect(queue).ToContainTextAsync(second);
        await Expect(maya.Locator("#live-announcer")).ToHaveTextAsync(new Regex($@"^New incident NWA-\d+, Sev1: {second}\.$"));
        await Expect(queue.Locator("tbody tr", new() { HasText = second })).ToHaveClassAsync(new Regex(@"\barrived\b"));
        await Expect(queue.Locator("tbody tr", new() { HasText = first })).Not.ToHaveClassAsync(new Regex(@"\barrived\b"));
    }

    /// <summary>
    /// A customer's status page whose connection dropped catches up the same way as the queue. The page shows every incident of
    /// Northwind, which other tests open meanwhile too: what is said may be a summary naming another.
    /// </summary>
    [Fact]
    public async Task An_incident_opened_while_a_customers_status_page_was_cut_off_is_said_and_tinted_when_it_is_back()
    {
        using var maya = await app.ApiClientAsync("maya@harborit.example");
        var tag = Guid.NewGuid().ToString("N")[..8];
        var first = $"Lounge wifi slow {tag}";
        await OpenOnNorthwindAsync(maya, first, "Sev4", "The lounge wifi is slow.");
        var (_, olivia, _) = await OliviaOnHerStatusPageAsync();
        var outage = await LiveSocketOutage.OpenAsync(olivia, olivia.Url);
        var status = olivia.Locator("[data-live-region=status]");
        await Expect(status).ToContainTextAsync(first);

        var second = $"Baggage belts stopped {tag}";
        await outage.WhileDownAsync(() => OpenOnNorthwindAsync(maya, second, "Sev1", "Baggage belts are stopped at every airport."));
        await Expect(status).Not.ToContainTextAsync(second);
        await RecordWhatIsSaidAsync(olivia);

        await outage.BackAsync();
        await Expect(status).ToContainTextAsync(second);
        await Expect(status.Locator("article", new() { HasText = second })).ToHaveClassAsync(new Regex(@"\barrived\b"));
        await Expect(status.Locator("article", new() { HasText = first })).Not.ToHaveClassAsync(new Regex(@"\barrived\b"));
        var said = new Regex($@"^(New incident NWA-\d+, Sev1: {second}|\d+ new incidents\. The most severe: .+)\.$");
        await olivia.WaitForFunctionAsync("pattern => window.said.some(text => new RegExp(pattern).test(text))", said.ToString(), new() { Timeout = 15_000 });
    }

    /// <summary>
    /// An incident's page whose connection dropped: the update posted meanwhile comes with the reconnect's refetch, and is said
    /// and tinted as if its event had come (a timeline entry counts if its number is above the page's last).
    /// </summary>
    [Fact]
    public async Task An_update_posted_while_the_incidents_page_was_cut_off_is_said_and_tinted_when_it_is_back()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var maya = await app.ApiClientAsync("maya@harborit.example");
        var id = await OpenOnNorthwindAsync(maya, $"Kiosks rebooting {tag}", "Sev2");
        Task NoteAsync(string text) => PostNoteAsync(maya, id, text, "Customer");
        var before = $"The kiosks are being restarted {tag}.";
        await NoteAsync(before);

        var (_, olivia, _) = await OliviaOnHerStatusPageAsync();
        var outage = await LiveSocketOutage.OpenAsync(olivia, $"/incidents/{id}");
        var timeline = olivia.Locator("[data-live-region=timeline]");
        await Expect(timeline).ToContainTextAsync(before);

        var during = $"Half the kiosks are back {tag}.";
        await outage.WhileDownAsync(() => NoteAsync(during));
        await Expect(timeline).Not.ToContainTextAsync(during);

        await outage.BackAsync();
        await Expect(timeline).ToContainTextAsync(during);
        await Expect(olivia.Locator("#live-announcer")).ToHaveTextAsync($"Update from Maya Chen: {during}");
        await Expect(timeline.Locator("li", new() { HasText = during })).ToHaveClassAsync(new Regex(@"\barrived\b"));
        await Expect(timeline.Locator("li", new() { HasText = before })).Not.ToHaveClassAsync(new Regex(@"\barrived\b"));
    }

    /// <summary>Headless Chromium shows every page: the test says of the page what a browser says of a tab behind another, and back.</summary>
    private static async Task SetHiddenAsync(IPage page, bool hidden) => await page.EvaluateAsync("""
        hidden => {
          Object.defineProperty(document, "hidden", { value: hidden, configurable: true });
          Object.defineProperty(document, "visibilityState", { value: hidden ? "hidden" : "visible", configurable: true });
          document.dispatchEvent(new Event("visibilitychange"));
        }
        """, hidden);

    /// <summary>A customer's status page says a new incident of her tenant too.</summary>
    [Fact]
    public async Task A_customers_screen_reader_hears_a_new_incident_arrive_on_her_status_page()
    {
        using var maya = await app.ApiClientAsync("maya@harborit.example");
        var (_, olivia, _) = await OliviaOnHerStatusPageAsync();
        var title = $"Boarding gates closed {Guid.NewGuid():N}";
        await OpenOnNorthwindAsync(maya, title, "Sev2", "Gates close early today.");
        await Expect(olivia.Locator("#live-announcer")).ToHaveTextAsync(new Regex($@"^New incident NWA-\d+, Sev2: {title}\.$"));
    }

    /// <summary>
    /// Maya's triage queue, live, narrowed by a tag of the test's own to one Sev3 incident of Northwind, "<paramref name="what"/>
    /// (tag)", which <paramref name="api"/> opens; the test's further incidents carry the tag too, and no other test's enters it.
    /// </summary>
    /// <summary>Where the queue region starts in the window, read in one step of the page's (a refetch swaps the region's element).</summary>
    private static Task<double> QueueTopAsync(IPage page) =>
        page.EvaluateAsync<double>("() => document.querySelector('[data-live-region=queue]').getBoundingClientRect().y");

    private async Task<(IPage Maya, ILocator Queue, string Tag, string First)> MayaOnANarrowedQueueAsync(HttpClient api, string what)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var first = $"{what} {tag}";
        await OpenOnNorthwindAsync(api, first, "Sev3");
        var maya = await app.SignInAsync("Maya Chen");
        await maya.GotoAsync($"/triage?q={tag}");
        var queue = maya.Locator("[data-live-region=queue]");
        await Expect(queue).ToContainTextAsync(first);
        await Expect(maya.Locator("#live-indicator")).ToHaveTextAsync("Live");
        return (maya, queue, tag, first);
    }

    private async Task<Guid> OpenOnNorthwindAsync(HttpClient api, string title, string severity, string? customerSummary = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var northwind = await app.ReadAsync(db => db.Organisations.Where(o => o.Name == "Northwind Airways").Select(o => o.Id).SingleAsync(ct));
        using var created = await api.PostAsJsonAsync($"/api/v1/tenants/{northwind}/incidents", new { title, severity, customerSummary }, ct);
        created.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);
        return (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(ct)).GetProperty("id").GetGuid();
    }

    private static async Task PostNoteAsync(HttpClient api, Guid incidentId, string text, string visibility)
    {
        using var note = await api.PostAsJsonAsync($"/api/v1/incidents/{incidentId}/notes", new { text, visibility }, TestContext.Current.CancellationToken);
        note.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);
    }

    /// <summary>What the announcer says from now on, as the page records it in <c>window.said</c>: a message replaced before the test reads it counts.</summary>
    private static async Task RecordWhatIsSaidAsync(IPage page) => await page.EvaluateAsync("""
        () => {
          window.said = [];
          const announcer = document.getElementById("live-announcer");
          new MutationObserver(() => window.said.push(announcer.textContent)).observe(announcer, { childList: true, characterData: true, subtree: true });
        }
        """);

    /// <summary>
    /// Returns a wait for the page to have handled the first live refetch whose answer contains the text. live.js runs one refetch
    /// at a time and raises "portal:refreshed" when it has handled one, so the first such event after that answer is its own.
    /// </summary>
    private static async Task<Func<Task>> RefetchBringingAsync(IPage page, string text)
    {
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(_ => true, async route =>
        {
            if (!route.Request.Headers.ContainsKey("x-portal-live") || answered.Task.IsCompleted)
            {
                await route.ContinueAsync();
                return;
            }
            var response = await route.FetchAsync();
            if ((await response.TextAsync()).Contains(text, StringComparison.Ordinal))
            {
                await page.EvaluateAsync("() => { window.portalRefreshed = new Promise(done => document.addEventListener('portal:refreshed', () => done(), { once: true })); }");
                answered.TrySetResult();
            }
            await route.FulfillAsync(new() { Response = response });
        });
        return async () =>
        {
            await answered.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            await page.EvaluateAsync("() => window.portalRefreshed");
        };
    }

    [Fact]
    public async Task A_page_whose_session_ended_says_it_is_signed_out_at_the_next_change_instead_of_Live()
    {
        var ct = TestContext.Current.CancellationToken;
        var (northwind, olivia, indicator) = await OliviaOnHerStatusPageAsync();

        // The session ends (signed out in another tab, or expired) while the page's socket stays open.
        await olivia.Context.ClearCookiesAsync();
        using var api = await app.ApiClientAsync("maya@harborit.example");
        using var created = await api.PostAsJsonAsync($"/api/v1/tenants/{northwind}/incidents",
            new { title = $"Signed-out refresh {Guid.NewGuid():N}", severity = "Sev3" }, ct);
        created.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);

        await Expect(indicator).ToHaveTextAsync("Signed out — reload the page to sign in");
        await Expect(indicator).ToHaveAttributeAsync("data-state", "offline");
        await olivia.WaitForTimeoutAsync(8_000); // longer than a reconnect's wait (at most 7.5 s): the page does not try again
        await Expect(indicator).ToHaveTextAsync("Signed out — reload the page to sign in");
    }

    [Fact]
    public async Task A_refetch_that_fails_says_the_page_is_behind_and_is_tried_again_until_the_change_shows()
    {
        var ct = TestContext.Current.CancellationToken;
        var (northwind, olivia, indicator) = await OliviaOnHerStatusPageAsync();

        // The server fails the page's next refetch (a database fail-over, say); the one after goes through.
        var failed = 0;
        await olivia.RouteAsync(_ => true, async route =>
        {
            if (route.Request.Headers.ContainsKey("x-portal-live") && Interlocked.Increment(ref failed) == 1)
                await route.FulfillAsync(new() { Status = 500, ContentType = "text/html", Body = "<p>Something went wrong</p>" });
            else
                await route.ContinueAsync();
        });
        var title = $"Payroll export failing {Guid.NewGuid():N}";
        using var api = await app.ApiClientAsync("maya@harborit.example");
        using var created = await api.PostAsJsonAsync($"/api/v1/tenants/{northwind}/incidents", new { title, severity = "Sev2" }, ct);
        created.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);

        // No other change follows: only the retry can bring the incident in.
        await Expect(indicator).ToHaveTextAsync("Not up to date — retrying");
        await Expect(olivia.GetByRole(AriaRole.Article, new() { Name = title })).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Expect(indicator).ToHaveTextAsync("Live");
        failed.ShouldBeGreaterThanOrEqualTo(2, "the failed refetch, then the retry");
    }

    [Fact]
    public async Task Pages_whose_sockets_drop_together_reconnect_at_moments_spread_apart()
    {
        // Two of Olivia's pages, their random numbers pinned at the two ends of the spread; each socket goes through a route
        // that lets the test drop it, as a deploy or a failed backplane drops them all. Each page notes, on its own clock, when
        // its socket closed and when it began to reconnect (the negotiate request): measured from the test's side, a busy
        // renderer that took 400 ms to see its socket close hid the spread (reconnects 685 and 880 ms after the drop).
        async Task<(IPage Page, List<IWebSocketRoute> Sockets)> OpenAsync(double random)
        {
            var page = await app.SignInAsync("Olivia Grant");
            List<IWebSocketRoute> sockets = [];
            await page.AddInitScriptAsync($$"""
                Math.random = () => {{random.ToString(System.Globalization.CultureInfo.InvariantCulture)}};
                window.portalLive = { closed: [], negotiating: [] };
                const NativeWebSocket = window.WebSocket;
                window.WebSocket = class extends NativeWebSocket {
                  constructor(...args) {
                    super(...args);
                    // Whichever the browser reports first, the error or the close: the client gives the socket up at the first.
                    const lost = () => { if (!this.lost) { this.lost = true; window.portalLive.closed.push(performance.now()); } };
                    this.addEventListener("error", lost);
                    this.addEventListener("close", lost);
                  }
                };
                const nativeFetch = window.fetch;
                window.fetch = (input, init) => {
                  if (String(input.url ?? input).includes("/hubs/status/negotiate")) window.portalLive.negotiating.push(performance.now());
                  return nativeFetch(input, init);
                };
                """);
            await page.RouteWebSocketAsync(new System.Text.RegularExpressions.Regex("/hubs/status"), socket =>
            {
                lock (sockets) sockets.Add(socket);
                socket.ConnectToServer();
            });
            await page.ReloadAsync();
            await Expect(page.Locator("#live-indicator")).ToHaveTextAsync("Live");
            return (page, sockets);
        }
        var early = await OpenAsync(0.0);
        var late = await OpenAsync(0.999);

        await Task.WhenAll(early.Sockets[^1].CloseAsync(new() { Code = 1011, Reason = "going away" }),
            late.Sockets[^1].CloseAsync(new() { Code = 1011, Reason = "going away" }));
        foreach (var (page, _) in new[] { early, late })
        {
            await Expect(page.Locator("#live-indicator")).ToHaveTextAsync("Live", new() { Timeout = 10_000 });
        }

        // From the socket's close to the reconnect's first request, on the page's own clock.
        static async Task<double> WaitedAsync(IPage page) => await page.EvaluateAsync<double>(
            "() => { const l = window.portalLive; if (l.closed.length !== 1 || l.negotiating.length !== 2) throw new Error(JSON.stringify(l)); return l.negotiating[1] - l.closed[0]; }");
        var waitedEarly = await WaitedAsync(early.Page);
        var waitedLate = await WaitedAsync(late.Page);
        // The first wait is 500 ms spread over 250–750 ms: here about 250 and 750 (on this page's clock the request comes some
        // 50 ms before that after the socket's events, for both pages alike). Without the spread both would wait the same.
        (waitedLate - waitedEarly).ShouldBeGreaterThan(300, $"waited {waitedEarly:F0} ms and {waitedLate:F0} ms");
    }
}
