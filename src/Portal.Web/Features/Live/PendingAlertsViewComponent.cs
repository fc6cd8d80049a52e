using System.Text.Json;
using Mediator;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ViewComponents;

namespace Portal.Features.Live;

/// <summary>
/// The alert lines an MSP member may have missed (<see cref="ListPendingAlerts"/>), as JSON for live.js: it shows those its
/// browser has not dismissed when the page opens, and again with every live refresh (a reconnect refreshes too). The layout
/// puts it in a data block (<c>&lt;script type="application/json" id="pending-alerts"&gt;</c>, which the browser never runs);
/// System.Text.Json escapes &lt;, &gt; and &amp;, so a title cannot end the block early. On a status page from the output
/// cache the list is as old as the page (10 seconds at most).
/// </summary>
public sealed class PendingAlertsViewComponent(IMediator mediator) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync()
    {
        var alerts = await mediator.Send(new ListPendingAlerts(), HttpContext.RequestAborted);
        var json = JsonSerializer.Serialize(alerts, JsonSerializerOptions.Web);
        return new HtmlContentViewComponentResult(new HtmlString(json));
    }
}
