using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>
/// The MSP's incident page and the customer's status page open side by side, as during an outage:
/// the customer's page follows the MSP within 2 seconds, without a reload, and never shows an internal note.
/// </summary>
public sealed class LiveSideBySideTests(PortalApp app)
{
    private static readonly LocatorAssertionsToHaveTextOptions WithinTwoSeconds = new() { Timeout = 2_000 };

    [Fact]
    public async Task The_customer_sees_a_status_change_and_an_update_within_two_seconds_but_never_the_internal_note()
    {
        var maya = await app.SignInAsync("Maya Chen");
        var title = TriagePage.UniqueTitle("Check-in kiosks rebooting");
        await TriagePage.OpenIncidentAsync(maya, "Northwind Airways (NWA)", title, "Sev2", "Kiosks restart every few minutes.");
        await TriagePage.AcknowledgeAsync(maya);

        var olivia = await app.SignInAsync("Olivia Grant");
        var card = olivia.GetByRole(AriaRole.Article, new() { Name = title });
        await Expect(card.Locator(".status")).ToHaveTextAsync("Acknowledged");
        await Expect(olivia.Locator("#live-indicator")).ToHaveTextAsync("Live");
        await olivia.EvaluateAsync("() => { window.portalNotReloaded = true; }"); // a reload would lose this

        // 1. The MSP changes the status.
        await maya.GetByLabel("Move to status").SelectOptionAsync("Investigating");
        await maya.GetByRole(AriaRole.Button, new() { Name = "Change status" }).ClickAsync();
        await Expect(maya.GetByRole(AriaRole.Status)).ToContainTextAsync("is now Investigating");
        await Expect(card.Locator(".status")).ToHaveTextAsync("Investigating", WithinTwoSeconds);

        // 2. An internal note, then a customer update: the update arrives, the note never does.
        var secret = $"Internal: kiosk vendor blames our image {Guid.NewGuid():N}";
        var update = $"Kiosks are being re-imaged one by one {Guid.NewGuid():N}";
        var note = maya.GetByLabel("Add a note");
        await note.FillAsync(secret);
        await maya.GetByRole(AriaRole.Button, new() { Name = "Add note" }).ClickAsync();
        await Expect(maya.GetByRole(AriaRole.Status)).ToContainTextAsync("Internal note added");
        await note.FillAsync(update);
        await maya.GetByRole(AriaRole.Radio, new() { Name = "Customer update (the customer sees it)" }).CheckAsync();
        await maya.GetByRole(AriaRole.Button, new() { Name = "Add note" }).ClickAsync();
        await Expect(maya.GetByRole(AriaRole.Status)).ToContainTextAsync("the customer can read it");
        await Expect(card).ToContainTextAsync(update, new() { Timeout = 2_000 });

        await olivia.WaitForTimeoutAsync(1_000); // give a wrongly routed note every chance to arrive
        (await olivia.ContentAsync()).ShouldNotContain(secret);
        (await olivia.EvaluateAsync<bool>("() => window.portalNotReloaded === true")).ShouldBeTrue("the status page reloaded instead of updating in place");
    }
}
