using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>
/// A browser that hits an error gets a page in the portal's layout with the real status code, words a person can act
/// on, a way back, and the trace id to quote; never a JSON body, never a redirect away from the address asked for.
/// </summary>
public sealed class ErrorPageTests(PortalApp app)
{
    /// <summary>A W3C trace context the browser sends, so the id on the page can be traced to this very request.</summary>
    private static (string TraceId, Dictionary<string, string> Headers) NewTraceContext()
    {
        var traceId = Guid.NewGuid().ToString("N");
        return (traceId, new Dictionary<string, string> { ["traceparent"] = $"00-{traceId}-{Guid.NewGuid().ToString("N")[..16]}-01" });
    }

    private static async Task<string> ShownTraceIdAsync(IPage page)
    {
        var shown = (await page.Locator("main code.trace-id").InnerTextAsync()).Trim();
        shown.ShouldMatch("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$");
        return shown;
    }

    [Fact]
    public async Task An_unknown_address_shows_the_not_found_page_in_the_layout_with_404()
    {
        var page = await app.NewPageAsync();
        var (traceId, headers) = NewTraceContext();
        await page.SetExtraHTTPHeadersAsync(headers);

        var response = await page.GotoAsync("/nonexistent");

        response!.Status.ShouldBe(404);
        (await response.HeaderValueAsync("content-type")).ShouldStartWith("text/html");
        (await response.HeaderValueAsync("cache-control")).ShouldBe("no-cache, no-store");
        new Uri(page.Url).AbsolutePath.ShouldBe("/nonexistent");
        await Expect(page.GetByRole(AriaRole.Banner).GetByRole(AriaRole.Link, new() { Name = "Portal" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Page not found", Level = 1 })).ToBeVisibleAsync();
        await Expect(page).ToHaveTitleAsync("Page not found · Portal");
        (await ShownTraceIdAsync(page)).ShouldContain(traceId); // small print, but the request's own id

        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"^https?://[^/]+/signin(\?|$)"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in", Level = 1 })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_page_the_users_role_does_not_cover_answers_403_in_the_layout_at_the_address_asked_for()
    {
        var olivia = await app.SignInAsync("Olivia Grant"); // Northwind customer admin

        var response = await olivia.GotoAsync("/organisations");

        response!.Status.ShouldBe(403);
        // Not redirected to /forbidden: the address stays the one asked for, so a reload works once access is granted.
        new Uri(olivia.Url).AbsolutePath.ShouldBe("/organisations");
        response.Request.RedirectedFrom.ShouldBeNull();
        await Expect(olivia.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Status" })).ToBeVisibleAsync();
        await Expect(olivia.GetByRole(AriaRole.Heading, new() { Name = "Not allowed", Level = 1 })).ToBeVisibleAsync();
        await Expect(olivia.GetByText("Your role in Portal does not include that page or record.")).ToBeVisibleAsync();
        await Expect(olivia.GetByRole(AriaRole.Table)).ToHaveCountAsync(0);
        await ShownTraceIdAsync(olivia);

        await olivia.GetByRole(AriaRole.Link, new() { Name = "Go to your start page" }).ClickAsync();
        await Assertions.Expect(olivia).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"^https?://[^/]+/status(\?|$)"));
    }

    [Fact]
    public async Task A_failure_shows_the_500_page_in_the_layout_with_the_trace_id_the_server_had()
    {
        var page = await app.NewPageAsync();
        var (traceId, headers) = NewTraceContext();
        await page.SetExtraHTTPHeadersAsync(headers);

        var response = await page.GotoAsync(FailingEndpoint.Path);

        response!.Status.ShouldBe(500);
        (await response.HeaderValueAsync("content-type")).ShouldStartWith("text/html");
        await Expect(page.GetByRole(AriaRole.Banner).GetByRole(AriaRole.Link, new() { Name = "Portal" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Something went wrong on our side", Level = 1 })).ToBeVisibleAsync();
        var shown = await ShownTraceIdAsync(page);
        shown.ShouldContain(traceId);
        app.Failing.TraceIds.ShouldContain(shown); // exactly the id the request had where it failed
        (await page.ContentAsync()).ShouldNotContain("must not reach the browser");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_page_that_renders_its_own_not_found_answer_keeps_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var foreignIncident = await app.ReadAsync(async db =>
        {
            var foreign = await db.Organisations.SingleAsync(o => o.IncidentPrefix == "WGB", ct);
            return await db.Incidents.Where(i => i.TenantId == foreign.Id).Select(i => i.Id).FirstAsync(ct);
        });
        var olivia = await app.SignInAsync("Olivia Grant");

        var response = await olivia.GotoAsync($"/incidents/{foreignIncident}");

        response!.Status.ShouldBe(404);
        await Expect(olivia.GetByRole(AriaRole.Heading, new() { Name = "Incident not found", Level = 1 })).ToBeVisibleAsync();
        await Expect(olivia.GetByText("There is no such incident, or it is not yours to see.")).ToBeVisibleAsync(); // its own banner
        await Expect(olivia.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToHaveCountAsync(0);
        await Expect(olivia.Locator("code.trace-id")).ToHaveCountAsync(0);
    }
}
