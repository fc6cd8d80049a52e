using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>
/// A page's live socket routed through the test, which can drop it and keep the next ones out, as a network outage would, and
/// let them through again.
/// </summary>
internal sealed class LiveSocketOutage
{
    private readonly IPage page;
    private IWebSocketRoute? socket;
    private volatile bool down;

    private LiveSocketOutage(IPage page) => this.page = page;

    private ILocator Indicator => page.Locator("#live-indicator");

    /// <summary>
    /// Opens <paramref name="url"/> with its socket routed, once it is live and the refetch that follows joining has been (one
    /// during the outage would read the page again).
    /// </summary>
    public static async Task<LiveSocketOutage> OpenAsync(IPage page, string url)
    {
        var outage = new LiveSocketOutage(page);
        await page.RouteWebSocketAsync(new Regex("/hubs/status"), ws =>
        {
            if (outage.down)
            {
                _ = ws.CloseAsync();
                return;
            }
            outage.socket = ws;
            ws.ConnectToServer();
        });
        await page.RouteAsync("**/hubs/status/negotiate**", route => outage.down ? route.AbortAsync() : route.ContinueAsync());
        await page.GotoAsync(url);
        await Expect(outage.Indicator).ToHaveTextAsync("Live");
        await Expect(page.Locator("main[data-live-refreshed-at]")).ToHaveCountAsync(1);
        return outage;
    }

    /// <summary>Drops the page's socket; its reconnects fail until <see cref="BackAsync"/>.</summary>
    public async Task BeginAsync()
    {
        down = true;
        await socket!.CloseAsync();
        await Expect(Indicator).ToHaveTextAsync("Reconnecting…");
    }

    /// <summary>Drops the socket, makes <paramref name="change"/>, and gives its event the moment it would have taken to arrive.</summary>
    public async Task WhileDownAsync(Func<Task> change)
    {
        await BeginAsync();
        await change();
        await page.WaitForTimeoutAsync(300);
    }

    /// <summary>Lets the reconnects through, and waits until the page says it is live again.</summary>
    public async Task BackAsync()
    {
        down = false;
        await Expect(Indicator).ToHaveTextAsync("Live", new() { Timeout = 20_000 });
    }
}
