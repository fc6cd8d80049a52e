using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>Everyone lands where their work is, and only there.</summary>
public sealed class StartPageTests(PortalApp app)
{
    [Fact]
    public async Task A_provider_sees_its_services_with_counts_and_nothing_of_the_tenants()
    {
        var priya = await app.SignInAsync("Priya Raman"); // Sentinel Shield Security, publisher
        new Uri(priya.Url).AbsolutePath.ShouldBe("/provider");
        await Expect(priya.GetByRole(AriaRole.Banner)).ToContainTextAsync("Sentinel Shield Security");
        var row = priya.GetByRole(AriaRole.Row).Filter(new() { HasText = "ShieldSensor Endpoint Agent" });
        await Expect(row.GetByRole(AriaRole.Cell).Nth(2)).ToHaveTextAsync("5"); // five subscribed tenants, unnamed
        await Expect(priya.GetByRole(AriaRole.Row).Filter(new() { HasText = "Nimbus Compute" })).ToHaveCountAsync(0); // another provider's service
        (await priya.ContentAsync()).ShouldNotContain("Northwind");

        (await priya.GotoAsync("/triage"))!.Status.ShouldBe(403);
        (await priya.GotoAsync("/status"))!.Status.ShouldBe(403);
        (await priya.GotoAsync("/organisations"))!.Status.ShouldBe(403);
    }

    [Fact]
    public async Task The_platform_admin_lists_the_organisations()
    {
        var ada = await app.SignInAsync("Ada Lovelace");
        new Uri(ada.Url).AbsolutePath.ShouldBe("/organisations");
        var harbor = ada.GetByRole(AriaRole.Row).Filter(new() { HasText = "Harbor IT Partners" });
        await Expect(harbor).ToContainTextAsync("MSP");
        await Expect(ada.GetByRole(AriaRole.Row).Filter(new() { HasText = "Northwind Airways" })).ToContainTextAsync("NWA");
    }

    [Fact]
    public async Task Signing_out_ends_the_session_and_pages_ask_for_sign_in_again()
    {
        var olivia = await app.SignInAsync("Olivia Grant");
        new Uri(olivia.Url).AbsolutePath.ShouldBe("/status");

        // The stylesheet the layout links is served (static assets work in the real host).
        var href = await olivia.Locator("link[rel=stylesheet]").GetAttributeAsync("href");
        var css = await olivia.APIRequest.GetAsync(href!);
        css.Status.ShouldBe(200);
        css.Headers["content-type"].ShouldStartWith("text/css");

        // The sign-out form carries the antiforgery token; a post without it (as from another site) is refused.
        var forged = await olivia.APIRequest.PostAsync("/signout", new() { Headers = new Dictionary<string, string> { ["Sec-Fetch-Site"] = "cross-site" } });
        forged.Status.ShouldBe(400);
        (await olivia.GotoAsync("/status"))!.Status.ShouldBe(200);

        await olivia.GetByRole(AriaRole.Banner).GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(olivia).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"^https?://[^/]+/signin(\?|$)"));
        await olivia.GotoAsync("/status");
        new Uri(olivia.Url).AbsolutePath.ShouldBe("/signin");
        await Expect(olivia.GetByRole(AriaRole.Heading, new() { Name = "Sign in", Level = 1 })).ToBeVisibleAsync();
    }
}
