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
