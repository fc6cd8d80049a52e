using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Portal.EndToEndTests;

/// <summary>
/// A page's live socket routed through the test, which can drop it and keep the next ones out, as a network outage would, and
/// let them through again. Route before the page opens.
/// </summary>
internal sealed class LiveSocketOutage
{
    private IWebSocketRoute? socket;
    private volatile bool down;

    public static async Task<LiveSocketOutage> RouteAsync(IPage page)
    {
        var outage = new LiveSocketOutage();
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
        return outage;
    }

    /// <summary>Drops the page's socket; its reconnects fail until <see cref="End"/>.</summary>
    public async Task BeginAsync()
    {
        down = true;
        await socket!.CloseAsync();
    }

    public void End() => down = false;
}
