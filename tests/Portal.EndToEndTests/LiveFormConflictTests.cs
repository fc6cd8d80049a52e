using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>
/// A live page and a form the user has started. live.js keeps the form's region as the user left it while the record changes
/// underneath, and says so; the form keeps the version it was rendered from, so sending it is refused as changed by someone
/// else and the page shows the change, instead of the user's older choice silently replacing the newer one (it used to copy the
/// new version into the kept form: a colleague's saved summary was lost, an RMM tool's Failed was turned into Done). A change the
/// region does not show (a note elsewhere on the incident) is no conflict: IncidentJourneyTests sends a status picked across one. A choice
/// undone (a box ticked and unticked) lets the region follow the changes again: a triage queue once stayed frozen, still
/// saying "Live".
/// </summary>
public sealed class LiveFormConflictTests(PortalApp app)
{
    private static readonly LocatorAssertionsToHaveTextOptions WithinFiveSeconds = new() { Timeout = 5_000 };
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_summary_typed_while_a_colleague_saves_one_is_refused_and_the_page_shows_the_colleagues()
    {
        var maya = await app.SignInAsync("Maya Chen");
        await TriagePage.OpenIncidentAsync(maya, "Northwind Airways (NWA)", TriagePage.UniqueTitle("Summary race"), "Sev2", "Kiosks down at gate B.");
        var incidentId = Guid.Parse(new Uri(maya.Url).Segments[^1]);
        await Expect(maya.Locator("#live-indicator")).ToHaveTextAsync("Live");
        var summary = maya.Locator("#customer-summary");
        await summary.FillAsync("Maya: gate B back at 04:10.");

        using var liam = await app.ApiClientAsync("liam@harborit.example");
        (await liam.PostAsJsonAsync($"api/v1/incidents/{incidentId}/summary", new { customerSummary = "Liam: gates B and C back." }, Ct)).EnsureSuccessStatusCode();
        await Expect(maya.Locator("[data-live-region=actions] .live-outdated")).ToBeVisibleAsync(new() { Timeout = 5_000 });
        await Expect(summary).ToHaveValueAsync("Maya: gate B back at 04:10.");

        var refused = await maya.RunAndWaitForResponseAsync(() => maya.GetByRole(AriaRole.Button, new() { Name = "Save summary" }).ClickAsync(), r => r.Request.Method == "POST");
        refused.Status.ShouldBe(409);
        await Expect(maya.GetByRole(AriaRole.Alert)).ToContainTextAsync("Changed by someone else, reloaded");
        (await SummaryAsync(liam, incidentId)).ShouldBe("Liam: gates B and C back.", "the colleague's summary stands");
        await Expect(summary).ToHaveValueAsync("Maya: gate B back at 04:10.", new() { Timeout = 5_000 });

        // Another change arrives while the refused form waits to be sent again (Liam raises the severity): the page follows it
        // around the form, and the form keeps her words. It used to be swapped for a fresh one with Liam's summary in it, so her
        // next "Save" saved his (seen once in a full run, when his first change's event came after the refusal's page).
        (await liam.PostAsJsonAsync($"api/v1/incidents/{incidentId}/severity", new { severity = "Sev1" }, Ct)).EnsureSuccessStatusCode();
        await Expect(maya.Locator("[data-live-region=head]")).ToContainTextAsync("Sev1", new() { Timeout = 5_000 });
        await Expect(summary).ToHaveValueAsync("Maya: gate B back at 04:10.");
        var again = await maya.RunAndWaitForResponseAsync(() => maya.GetByRole(AriaRole.Button, new() { Name = "Save summary" }).ClickAsync(), r => r.Request.Method == "POST");
        again.Status.ShouldBe(409, "the severity changed since the page she sends from");
        await Expect(summary).ToHaveValueAsync("Maya: gate B back at 04:10.", new() { Timeout = 5_000 });

        // Sent again from the page as it now is, hers is saved: a decision made with the change in view.
        await maya.GetByRole(AriaRole.Button, new() { Name = "Save summary" }).ClickAsync();
        await Expect(maya.GetByRole(AriaRole.Status)).ToContainTextAsync("summary saved");
        (await SummaryAsync(liam, incidentId)).ShouldBe("Maya: gate B back at 04:10.");
    }

    [Fact]
    public async Task A_move_picked_before_the_rmm_tool_reports_the_task_failed_is_refused_and_the_failure_stands()
    {
        var maya = await app.SignInAsync("Maya Chen");
        await TriagePage.OpenIncidentAsync(maya, "Tailspin Logistics (TSL)", TriagePage.UniqueTitle("Task race"), "Sev2", "One PC asks for its key.");
        var incidentId = Guid.Parse(new Uri(maya.Url).Segments[^1]);
        using var api = await app.ApiClientAsync("maya@harborit.example");
        var tenantId = (await api.GetFromJsonAsync<JsonElement>($"api/v1/incidents/{incidentId}", Ct)).GetProperty("tenantId").GetGuid();
        var device = (await api.GetFromJsonAsync<JsonElement>($"api/v1/tenants/{tenantId}/devices?limit=1", Ct)).GetProperty("items")[0].GetProperty("id").GetGuid();
        using var created = await api.PostAsJsonAsync($"api/v1/incidents/{incidentId}/tasks", new { deviceId = device }, Ct);
        var taskId = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        await maya.GotoAsync($"/tasks/{taskId}");
        await Expect(maya.Locator("#live-indicator")).ToHaveTextAsync("Live");
        await maya.GetByLabel("Move to").SelectOptionAsync("Done");

        using var rmm = await app.ApiClientAsync("rmm@harborit.example");
        (await rmm.PostAsJsonAsync($"api/v1/tasks/{taskId}/state", new { state = "Failed", reason = "BitLocker key wrong" }, Ct)).EnsureSuccessStatusCode();
        await Expect(maya.Locator("[data-live-region=task-actions] .live-outdated")).ToBeVisibleAsync(new() { Timeout = 5_000 });
        await Expect(maya.GetByTestId("task-state")).ToHaveTextAsync("Failed", WithinFiveSeconds); // the facts around the form follow

        var refused = await maya.RunAndWaitForResponseAsync(() => maya.GetByRole(AriaRole.Button, new() { Name = "Move" }).ClickAsync(), r => r.Request.Method == "POST");
        refused.Status.ShouldBe(409);
        await Expect(maya.GetByRole(AriaRole.Alert)).ToContainTextAsync("Changed by someone else, reloaded");
        (await api.GetFromJsonAsync<JsonElement>($"api/v1/tasks/{taskId}", Ct)).GetProperty("state").GetString().ShouldBe("Failed");
    }

    [Fact]
    public async Task A_box_ticked_and_unticked_lets_the_triage_queue_follow_new_incidents_again()
    {
        var maya = await app.SignInAsync("Maya Chen");
        await maya.GotoAsync("/triage");
        await Expect(maya.Locator("#live-indicator")).ToHaveTextAsync("Live");
        var firstBox = maya.Locator("[data-live-region=queue] tbody input[type=checkbox]").First;
        await firstBox.CheckAsync();
        await firstBox.UncheckAsync();
        await maya.Locator("h1").ClickAsync(); // out of the queue: nothing of it is focused

        using var liam = await app.ApiClientAsync("liam@harborit.example");
        var title = TriagePage.UniqueTitle("Sev1 arrives at 3 a.m.");
        var tenantId = await app.ReadAsync(db => db.Organisations.Where(o => o.Name == "Northwind Airways").Select(o => o.Id).SingleAsync());
        (await liam.PostAsJsonAsync($"api/v1/tenants/{tenantId}/incidents", new { title, severity = "Sev1" }, Ct)).EnsureSuccessStatusCode();
        await Expect(maya.Locator("[data-live-region=queue]")).ToContainTextAsync(title, new() { Timeout = 5_000 });
        await Expect(maya.Locator("[data-live-region=queue] .live-outdated")).ToHaveCountAsync(0);
    }

    private static async Task<string?> SummaryAsync(HttpClient api, Guid incidentId) =>
        (await api.GetFromJsonAsync<JsonElement>($"api/v1/incidents/{incidentId}", Ct)).GetProperty("customerSummary").GetString();
}
