using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>Steps that take something from someone ask first (confirm.js): cancelling sends nothing, accepting goes through.</summary>
public sealed class ConfirmationTests(PortalApp app)
{
    [Fact]
    public async Task Marking_a_tenant_not_affected_asks_first_and_cancelling_leaves_it_on_the_advisory()
    {
        var ines = await app.SignInAsync("Ines Duarte"); // Bluepeak: the demo's sensor advisory is still new to her tenants
        await ines.GotoAsync("/advisories");
        await ines.GetByRole(AriaRole.Link, new() { Name = Portal.Infrastructure.Data.DemoData.SensorAdvisoryTitle }).First.ClickAsync();
        var woodgrove = ines.GetByTestId("advisory-tenants").Locator("tbody tr").Filter(new() { HasText = "Woodgrove Bank" });
        await Expect(woodgrove).ToHaveCountAsync(1);

        var (asked, posts) = await DismissAsync(ines, () => woodgrove.GetByRole(AriaRole.Button, new() { Name = "Remove Woodgrove Bank: not affected" }).ClickAsync());
        asked.ShouldStartWith("Woodgrove Bank is not affected?");
        posts.ShouldBe(0);
        await ines.ReloadAsync();
        await Expect(ines.GetByTestId("advisory-tenants").Locator("tbody tr").Filter(new() { HasText = "Woodgrove Bank" })).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Revoking_an_invitation_asks_first_and_goes_through_once_accepted()
    {
        var email = $"revoke.{Guid.NewGuid():N}@harborit.example";
        var liam = await app.SignInAsync("Liam O'Brien");
        await liam.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "People" }).ClickAsync();
        var invite = liam.GetByRole(AriaRole.Form, new() { Name = "Invite someone" });
        await invite.GetByLabel("Email").FillAsync(email);
        await invite.GetByLabel("Role").SelectOptionAsync("MspEngineer");
        await invite.GetByRole(AriaRole.Button, new() { Name = "Invite", Exact = true }).ClickAsync();
        var row = liam.Locator($"tr[data-invitation='{email}']");
        await Expect(row).ToHaveCountAsync(1);

        var revoke = row.GetByRole(AriaRole.Button, new() { Name = $"Revoke the invitation of {email}" });
        var (asked, posts) = await DismissAsync(liam, () => revoke.ClickAsync());
        asked.ShouldStartWith($"Revoke the invitation of {email}?");
        posts.ShouldBe(0);
        await Expect(row).ToHaveCountAsync(1);

        liam.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await revoke.ClickAsync();
        await Expect(liam.GetByTestId("banner")).ToContainTextAsync("Invitation revoked.");
        await Expect(liam.Locator($"tr[data-invitation='{email}']")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Closing_asks_first_and_names_the_unfinished_device_work_resolving_with_devices_open_asks_and_other_moves_do_not()
    {
        var api = await app.ApiClientAsync("maya@harborit.example");
        var northwind = await app.ReadAsync(db => db.Organisations.Where(o => o.Name == "Northwind Airways").Select(o => o.Id).SingleAsync(TestContext.Current.CancellationToken));
        using var created = await api.PostAsJsonAsync($"/api/v1/tenants/{northwind}/incidents", new { title = $"Close check {Guid.NewGuid():N}"[..24], severity = "Sev3" }, TestContext.Current.CancellationToken);
        var incident = (await created.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("id").GetGuid();
        // Two devices' tasks (what the question counts) and a free task (which it does not).
        foreach (var hostname in new[] { $"kiosk-{Guid.NewGuid():N}"[..20], $"kiosk-{Guid.NewGuid():N}"[..20] })
        {
            using var device = await api.PostAsJsonAsync($"/api/v1/tenants/{northwind}/devices", new { hostname }, TestContext.Current.CancellationToken);
            var deviceId = (await device.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("id").GetGuid();
            (await api.PostAsJsonAsync($"/api/v1/incidents/{incident}/tasks", new { deviceId }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }
        (await api.PostAsJsonAsync($"/api/v1/incidents/{incident}/tasks", new { title = "Call the vendor" }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        (await api.PostAsync($"/api/v1/incidents/{incident}/acknowledge", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        (await api.PostAsJsonAsync($"/api/v1/incidents/{incident}/status", new { status = "Resolved" }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        var maya = await app.SignInAsync("Maya Chen");
        await maya.GotoAsync($"/incidents/{incident}");
        await maya.GetByLabel("Move to status").SelectOptionAsync("Closed");
        var (asked, posts) = await DismissAsync(maya, () => maya.GetByRole(AriaRole.Button, new() { Name = "Change status" }).ClickAsync());
        asked.ShouldContain("cannot be reopened");
        asked.ShouldContain("Its 2 unfinished device tasks stop as they are");
        posts.ShouldBe(0);
        await maya.ReloadAsync();
        await Expect(maya.GetByLabel("Move to status")).ToBeVisibleAsync(); // still Resolved: the form is there

        // Reopening is not final: it asks nothing.
        var questions = 0;
        void Count(object? _, IDialog dialog) { questions++; _ = dialog.DismissAsync(); }
        maya.Dialog += Count;
        await maya.GetByLabel("Move to status").SelectOptionAsync("Investigating");
        await maya.GetByRole(AriaRole.Button, new() { Name = "Change status" }).ClickAsync();
        await Expect(maya.GetByTestId("banner")).ToContainTextAsync("Investigating");
        maya.Dialog -= Count;
        questions.ShouldBe(0);

        // Resolving with the two devices still open asks first: the customer's page would say Resolved beside "0 of 2 devices restored".
        await maya.GetByLabel("Move to status").SelectOptionAsync("Resolved");
        var (resolving, resolvePosts) = await DismissAsync(maya, () => maya.GetByRole(AriaRole.Button, new() { Name = "Change status" }).ClickAsync());
        resolving.ShouldContain("with 2 devices not finished");
        resolving.ShouldContain("0 of 2 devices restored");
        resolvePosts.ShouldBe(0);
    }

    /// <summary>Runs the click with the page's question dismissed; what it asked and how many POSTs left the page meanwhile.</summary>
    private static async Task<(string Asked, int Posts)> DismissAsync(IPage page, Func<Task> click)
    {
        string? asked = null;
        var posts = 0;
        async void Dismiss(object? _, IDialog dialog) { asked = dialog.Message; await dialog.DismissAsync(); }
        void Count(object? _, IRequest request) { if (request.Method == "POST") posts++; }
        page.Dialog += Dismiss;
        page.Request += Count;
        await click();
        await page.WaitForTimeoutAsync(300); // a POST the dismissal failed to stop would have left by now
        page.Dialog -= Dismiss;
        page.Request -= Count;
        return (asked.ShouldNotBeNull("the page asked nothing"), posts);
    }
}
