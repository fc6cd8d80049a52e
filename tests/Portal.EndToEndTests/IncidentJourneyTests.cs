using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>The MSP works an incident in the browser and the customer sees it on their status page: no internal note, ever.</summary>
public sealed partial class IncidentJourneyTests(PortalApp app)
{
    private const string MspEngineer = "Maya Chen";          // maya@harborit.example, Harbor IT Partners
    private const string Customer = "Olivia Grant";          // Northwind Airways (NWA), managed by Harbor
    private const string Tenant = "Northwind Airways";

    [Fact]
    public async Task Msp_ticks_the_new_incidents_of_a_fan_out_in_the_queue_and_acknowledges_them_with_one_click()
    {
        var ct = TestContext.Current.CancellationToken;
        var tag = Guid.NewGuid().ToString("N")[..8];
        var northwind = await app.ReadAsync(db => db.Organisations.Where(o => o.Name == Tenant).Select(o => o.Id).SingleAsync(ct));
        using var api = await app.ApiClientAsync("maya@harborit.example");
        async Task OpenAsync(string title)
        {
            using var created = await api.PostAsJsonAsync($"/api/v1/tenants/{northwind}/incidents", new { title = $"{title} {tag}", severity = "Sev1" }, ct);
            created.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);
        }
        await OpenAsync("Kiosk boot loop");
        await OpenAsync("Gate PC boot loop");

        var maya = await app.SignInAsync(MspEngineer);
        await maya.GotoAsync($"/triage?q={tag}");
        await Expect(maya.GetByRole(AriaRole.Row).Filter(new() { HasText = tag })).ToHaveCountAsync(2);
        // A third arrives while the queue is open: the live refresh swaps the table in, and its boxes work like the first ones.
        await OpenAsync("Lounge PC boot loop");
        await Expect(maya.GetByRole(AriaRole.Row).Filter(new() { HasText = tag })).ToHaveCountAsync(3);

        await maya.GetByRole(AriaRole.Checkbox, new() { Name = "Tick every new incident on this page" }).CheckAsync();
        await Expect(maya.GetByTestId("ticked-count")).ToHaveTextAsync("3 incidents ticked");
        await maya.GetByRole(AriaRole.Button, new() { Name = "Acknowledge ticked" }).ClickAsync();

        await Expect(maya.GetByRole(AriaRole.Status)).ToContainTextAsync("3 incidents acknowledged");
        await Expect(maya).ToHaveURLAsync(new Regex($"/triage\\?q={tag}$"));
        var rows = maya.GetByRole(AriaRole.Row).Filter(new() { HasText = tag });
        await Expect(rows.Filter(new() { HasText = "Acknowledged" })).ToHaveCountAsync(3);
        await Expect(rows.GetByRole(AriaRole.Checkbox)).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Msp_acknowledges_a_new_incident_from_the_triage_queue_and_the_customer_sees_it_acknowledged()
    {
        var maya = await app.SignInAsync(MspEngineer);
        await Expect(maya).ToHaveURLAsync(TriagePath());
        await Expect(maya.GetByRole(AriaRole.Heading, new() { Name = "Triage", Level = 1 })).ToBeVisibleAsync();
        await Expect(maya.GetByRole(AriaRole.Banner)).ToContainTextAsync("Harbor IT Partners");

        var title = TriagePage.UniqueTitle("Departure boards dark at gate B");
        var reference = await TriagePage.OpenIncidentAsync(maya, $"{Tenant} (NWA)", title, "Sev2", "Departure boards show nothing; gate staff announce departures.");
        reference.ShouldStartWith("NWA-");

        // The queue, narrowed to new incidents of the tenant, lists it; its row leads to the incident.
        await maya.GotoAsync("/triage");
        var filters = maya.GetByRole(AriaRole.Search, new() { Name = "Filter incidents" });
        await filters.GetByLabel("Tenant").SelectOptionAsync(new SelectOptionValue { Label = Tenant });
        await filters.GetByRole(AriaRole.Checkbox, new() { Name = "New", Exact = true }).CheckAsync();
        await filters.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
        await Expect(maya).ToHaveURLAsync(new Regex("status=New"));
        var row = maya.GetByRole(AriaRole.Row).Filter(new() { HasText = title });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync(reference);
        await Expect(row).ToContainTextAsync("New");
        await Expect(row).ToContainTextAsync(Tenant);
        await row.GetByRole(AriaRole.Link, new() { Name = title }).ClickAsync();
        await Assertions.Expect(maya).ToHaveURLAsync(TriagePage.IncidentUrl());

        await maya.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await Expect(maya.GetByRole(AriaRole.Status)).ToContainTextAsync($"{reference} acknowledged");
        await Expect(maya.GetByTestId("incident-state")).ToContainTextAsync("Acknowledged");
        await Expect(maya.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" })).ToHaveCountAsync(0);
        await Expect(maya.GetByRole(AriaRole.List).Filter(new() { HasText = "Acknowledged by Maya Chen" })).ToHaveCountAsync(1);

        // Another person, another browser: the customer's status page.
        var olivia = await app.SignInAsync(Customer);
        await Expect(olivia).ToHaveURLAsync(StatusPath());
        await Expect(olivia.GetByRole(AriaRole.Heading, new() { Name = Tenant, Level = 1 })).ToBeVisibleAsync();
        var card = olivia.GetByRole(AriaRole.Article, new() { Name = title });
        await Expect(card).ToContainTextAsync(reference);
        await Expect(card.Locator(".status")).ToHaveTextAsync("Acknowledged");
        await Expect(card).ToContainTextAsync("Acknowledged by Maya Chen");
        await Expect(card).ToContainTextAsync("gate staff announce departures");
    }

    [Fact]
    public async Task An_internal_note_never_reaches_the_customer_but_a_customer_update_does()
    {
        var maya = await app.SignInAsync(MspEngineer);
        var title = TriagePage.UniqueTitle("Crew scheduling app crashes");
        await TriagePage.OpenIncidentAsync(maya, $"{Tenant} (NWA)", title, "Sev3", "The crew scheduling app closes on start; we are on it.");
        var incidentPath = new Uri(maya.Url).AbsolutePath;

        var secret = $"Internal only: vendor escalation case {Guid.NewGuid():N}";
        var update = $"Customer update: a fix is rolling out {Guid.NewGuid():N}";

        var note = maya.GetByLabel("Add a note");
        await Expect(maya.GetByRole(AriaRole.Radio, new() { Name = "Internal (your MSP only)" })).ToBeCheckedAsync(); // the safe default
        await note.FillAsync(secret);
        await maya.GetByRole(AriaRole.Button, new() { Name = "Add note" }).ClickAsync();
        await Expect(maya.GetByRole(AriaRole.Status)).ToContainTextAsync("Internal note added");
        var internalEntry = maya.GetByRole(AriaRole.Listitem).Filter(new() { HasText = secret });
        await Expect(internalEntry).ToContainTextAsync("Internal");

        await note.FillAsync(update);
        await maya.GetByRole(AriaRole.Radio, new() { Name = "Customer update (the customer sees it)" }).CheckAsync();
        await maya.GetByRole(AriaRole.Button, new() { Name = "Add note" }).ClickAsync();
        await Expect(maya.GetByRole(AriaRole.Status)).ToContainTextAsync("the customer can read it");
        await Expect(maya.GetByRole(AriaRole.Listitem).Filter(new() { HasText = update })).ToHaveCountAsync(1);

        var olivia = await app.SignInAsync(Customer);
        var card = olivia.GetByRole(AriaRole.Article, new() { Name = title });
        await Expect(card).ToContainTextAsync(update);
        (await olivia.ContentAsync()).ShouldNotContain(secret);

        // The customer's incident page: the update, no internal note, and nothing that would write one.
        await card.GetByRole(AriaRole.Link, new() { Name = title }).ClickAsync();
        await Expect(olivia).ToHaveURLAsync(new Regex(Regex.Escape(incidentPath) + "$"));
        await Expect(olivia.GetByRole(AriaRole.Listitem).Filter(new() { HasText = update })).ToHaveCountAsync(1);
        (await olivia.ContentAsync()).ShouldNotContain(secret);
        await Expect(olivia.GetByRole(AriaRole.Radio)).ToHaveCountAsync(0);
        await Expect(olivia.GetByText("Internal", new() { Exact = true })).ToHaveCountAsync(0);
        await Expect(olivia.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" })).ToHaveCountAsync(0);

        // What the customer may do: a customer-visible comment, which the MSP then sees.
        var comment = $"Thanks, crews are using paper rosters meanwhile {Guid.NewGuid():N}";
        await olivia.GetByLabel("Add a comment for your service provider").FillAsync(comment);
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Add comment" }).ClickAsync();
        await Expect(olivia.GetByRole(AriaRole.Status)).ToContainTextAsync("Update added");
        // Maya's incident page, open all along, shows it without a reload (live.js refreshes the timeline region).
        await Expect(maya.GetByRole(AriaRole.Listitem).Filter(new() { HasText = comment })).ToContainTextAsync("Customer comment");
    }

    [Fact]
    public async Task An_engineer_raises_the_severity_on_the_incident_page_and_the_customers_open_page_follows()
    {
        var maya = await app.SignInAsync(MspEngineer);
        var title = TriagePage.UniqueTitle("Check-in kiosks rebooting");
        await TriagePage.OpenIncidentAsync(maya, $"{Tenant} (NWA)", title, "Sev3", "Some kiosks restart during check-in.");
        var incidentPath = new Uri(maya.Url).AbsolutePath;
        var olivia = await app.SignInAsync(Customer);
        await olivia.GotoAsync(incidentPath);
        await Expect(olivia.GetByTestId("incident-state")).ToContainTextAsync("Sev3");

        await Expect(maya.GetByLabel("Severity", new() { Exact = true })).ToHaveValueAsync("Sev3"); // the current one, not a default
        await maya.GetByLabel("Severity", new() { Exact = true }).SelectOptionAsync("Sev1");
        await maya.GetByRole(AriaRole.Button, new() { Name = "Change severity" }).ClickAsync();
        await Expect(maya.GetByRole(AriaRole.Status)).ToContainTextAsync("is now Sev1");
        await Expect(maya.GetByTestId("incident-state")).ToContainTextAsync("Sev1");
        await Expect(maya.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "Severity changed from Sev3 to Sev1" })).ToHaveCountAsync(1);
        // The customer's page, open all along, follows without a reload.
        await Expect(olivia.GetByTestId("incident-state")).ToContainTextAsync("Sev1");
        await Expect(olivia.GetByRole(AriaRole.Button, new() { Name = "Change severity" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_change_made_on_a_stale_page_is_refused_and_the_page_reloads()
    {
        var maya = await app.SignInAsync(MspEngineer);
        var title = TriagePage.UniqueTitle("Baggage belt controllers offline");
        await TriagePage.OpenIncidentAsync(maya, $"{Tenant} (NWA)", title, "Sev2", "Baggage may be delayed.");

        // A colleague's tab on the same incident, open from before the acknowledgement, whose live connection
        // is down (otherwise live.js would refresh it in place and it would not stay stale).
        var stale = await maya.Context.NewPageAsync();
        await stale.RouteAsync("**/hubs/**", route => route.AbortAsync());
        await stale.GotoAsync(maya.Url);
        await TriagePage.AcknowledgeAsync(maya);

        var response = await stale.RunAndWaitForResponseAsync(
            () => stale.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync(),
            r => r.Request.Method == "POST");
        response.Status.ShouldBe(409);
        await Expect(stale.GetByRole(AriaRole.Alert)).ToContainTextAsync("Changed by someone else, reloaded");
        await Expect(stale.GetByTestId("incident-state")).ToContainTextAsync("Acknowledged");

        // The reloaded page carries the current version: the next change goes through.
        await stale.GetByLabel("Move to status").SelectOptionAsync("Investigating");
        await stale.GetByRole(AriaRole.Button, new() { Name = "Change status" }).ClickAsync();
        await Expect(stale.GetByRole(AriaRole.Status)).ToContainTextAsync("is now Investigating");
        await Expect(stale.GetByTestId("incident-state")).ToContainTextAsync("Investigating");
    }

    [Fact]
    public async Task A_status_change_starts_with_no_status_chosen_so_one_click_cannot_step_back_or_close()
    {
        var maya = await app.SignInAsync(MspEngineer);
        var title = TriagePage.UniqueTitle("Hangar printers offline");
        await TriagePage.OpenIncidentAsync(maya, $"{Tenant} (NWA)", title, "Sev3", "Hangar printers are offline; paper forms in use.");
        await TriagePage.AcknowledgeAsync(maya);
        var status = maya.GetByLabel("Move to status");
        var change = maya.GetByRole(AriaRole.Button, new() { Name = "Change status" });
        await status.SelectOptionAsync("Mitigating");
        await change.ClickAsync();
        await Expect(maya.GetByTestId("incident-state")).ToContainTextAsync("Mitigating");

        // From Mitigating the first status offered is Investigating, a step back: none is chosen, and the form is not sent.
        await Expect(status).ToHaveValueAsync("");
        var posts = 0;
        maya.Request += (_, request) => { if (request.Method == "POST") posts++; };
        await change.ClickAsync();
        (await status.EvaluateAsync<bool>("select => select.validity.valueMissing")).ShouldBeTrue();
        await maya.WaitForTimeoutAsync(500);
        posts.ShouldBe(0);
        await Expect(maya.GetByTestId("incident-state")).ToContainTextAsync("Mitigating");

        // Resolved offers Closed first, after which nothing can change: none is chosen there either.
        await status.SelectOptionAsync("Resolved");
        await change.ClickAsync();
        await Expect(maya.GetByTestId("incident-state")).ToContainTextAsync("Resolved");
        await Expect(status).ToHaveValueAsync("");
    }

    [Fact]
    public async Task A_status_picked_on_the_incident_page_survives_a_live_refresh_until_it_is_sent()
    {
        var maya = await app.SignInAsync(MspEngineer);
        var title = TriagePage.UniqueTitle("Gate printers jammed");
        await TriagePage.OpenIncidentAsync(maya, $"{Tenant} (NWA)", title, "Sev3", "Boarding passes print at the desks only.");
        await TriagePage.AcknowledgeAsync(maya);
        await Expect(maya.Locator("#live-indicator")).ToHaveTextAsync("Live");
        var incidentId = new Uri(maya.Url).AbsolutePath.Split('/')[^1];

        // She picks a status and looks elsewhere on the page; meanwhile a colleague's note arrives live.
        await maya.GetByLabel("Move to status").SelectOptionAsync("Mitigating");
        await maya.GetByRole(AriaRole.Heading, new() { Level = 1 }).ClickAsync();
        using var colleague = await app.ApiClientAsync("maya@harborit.example");
        var note = $"Spare printer on its way {Guid.NewGuid():N}";
        (await colleague.PostAsJsonAsync($"/api/v1/incidents/{incidentId}/notes", new { text = note, visibility = "Internal" }, TestContext.Current.CancellationToken))
            .EnsureSuccessStatusCode();
        await Expect(maya.GetByRole(AriaRole.Listitem).Filter(new() { HasText = note })).ToHaveCountAsync(1);

        // The refresh left her choice alone, and it is sent as she made it.
        await Expect(maya.GetByLabel("Move to status")).ToHaveValueAsync("Mitigating");
        await maya.GetByRole(AriaRole.Button, new() { Name = "Change status" }).ClickAsync();
        await Expect(maya.GetByTestId("incident-state")).ToContainTextAsync("Mitigating");
    }

    [Fact]
    public async Task On_a_phone_the_triage_queue_shows_every_title_whole_on_the_screen()
    {
        var maya = await app.SignInAsync(MspEngineer);
        await maya.SetViewportSizeAsync(390, 844);
        await maya.GotoAsync("/triage");
        await Expect(maya.Locator("table.incidents tbody .title a").First).ToBeVisibleAsync();
        // Read in one go in the page: other tests' incidents arrive live and redraw the queue meanwhile.
        var offScreen = await maya.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll("table.incidents tbody .title a")]
                .filter(a => { const box = a.getBoundingClientRect(); return box.left < 0 || box.right > document.documentElement.clientWidth; })
                .map(a => a.textContent)
            """);
        offScreen.ShouldBeEmpty();
        // Without the column headings a card says what its assignee and times are.
        await Expect(maya.Locator("table.incidents thead")).ToBeHiddenAsync();
        await Expect(maya.Locator("table.incidents tbody td[data-label=Assignee]").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_customers_open_status_page_follows_the_msp_live()
    {
        var maya = await app.SignInAsync(MspEngineer);
        var title = TriagePage.UniqueTitle("Lounge Wi-Fi down");
        await TriagePage.OpenIncidentAsync(maya, $"{Tenant} (NWA)", title, "Sev4", "Lounge Wi-Fi is down; mobile data works.");

        var olivia = await app.SignInAsync(Customer);
        var card = olivia.GetByRole(AriaRole.Article, new() { Name = title });
        await Expect(card.Locator(".status")).ToHaveTextAsync("New");
        await Expect(olivia.Locator("#live-indicator")).ToHaveTextAsync("Live");

        await TriagePage.AcknowledgeAsync(maya);

        // No reload: the page swaps its status region when the tenant's event arrives.
        await Expect(card.Locator(".status")).ToHaveTextAsync("Acknowledged");
        await Expect(card).ToContainTextAsync("Acknowledged by Maya Chen");
        await Expect(olivia.Locator("main[data-live-refreshed-at]")).ToHaveCountAsync(1);
    }

    [GeneratedRegex("/triage$")]
    private static partial Regex TriagePath();

    [GeneratedRegex("/status$")]
    private static partial Regex StatusPath();
}
