using System.Net.Http.Json;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>
/// The customer has her status page open when the provider publishes an advisory for a service her tenant uses (through the
/// API, as a provider's tooling would): the advisory appears without a reload, then the provider's update replaces its latest
/// update, rendered as safe HTML.
/// </summary>
public sealed class CustomerAdvisoryLiveTests(PortalApp app)
{
    private static readonly LocatorAssertionsToContainTextOptions Soon = new() { Timeout = 5_000 };

    [Fact]
    public async Task An_advisory_and_its_update_appear_on_the_open_status_page_without_a_reload()
    {
        var ct = TestContext.Current.CancellationToken;
        var olivia = await app.SignInAsync("Olivia Grant");
        await Expect(olivia.GetByRole(AriaRole.Heading, new() { Name = "Northwind Airways", Level = 1 })).ToBeVisibleAsync();
        await Expect(olivia.Locator("#live-indicator")).ToHaveTextAsync("Live");
        await olivia.EvaluateAsync("() => { window.portalNotReloaded = true; }"); // a reload would lose this

        var title = $"Sensor update crashes Windows hosts {Guid.NewGuid():N}"[..48];
        var advisoryId = await app.PublishSensorAdvisoryAsync(title, "Sev1", "Windows machines may fail to start after the sensor update.");

        var card = olivia.GetByTestId($"advisory-{advisoryId}");
        await Expect(card).ToContainTextAsync(title, Soon);
        await Expect(card).ToContainTextAsync("Sentinel Shield Security");
        await Expect(card).ToContainTextAsync("Investigating");
        await Expect(card).ToContainTextAsync("may fail to start");

        using var priya = await app.ApiClientAsync("priya@sentinelshield.example");
        using var updated = await priya.PostAsJsonAsync($"/api/v1/advisories/{advisoryId}/updates",
            new { status = "Identified", text = "Channel file 291 is the cause. **Boot to safe mode** and delete it. <script>window.pwned = true</script>" }, ct);
        updated.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, await updated.Content.ReadAsStringAsync(ct));

        await Expect(card.GetByTestId($"advisory-latest-{advisoryId}")).ToContainTextAsync("Channel file 291 is the cause.", Soon);
        await Expect(card).ToContainTextAsync("Identified");
        await Expect(card.Locator("strong", new() { HasText = "Boot to safe mode" })).ToHaveCountAsync(1);
        (await olivia.EvaluateAsync<bool>("() => window.pwned === true")).ShouldBeFalse("the update's HTML ran");
        (await olivia.EvaluateAsync<bool>("() => window.portalNotReloaded === true")).ShouldBeTrue("the status page reloaded instead of updating in place");
    }
}
