using System.Text.Json;
using Mediator;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ViewComponents;

namespace Portal.Features.Live;

/// <summary>
/// The alert lines an MSP member may have missed (<see cref="ListPendingAlerts"/>), as data in the page for live.js: it shows
/// those its browser has not dismissed when the page opens, and again with every live refresh (a reconnect refreshes too).
/// A data block, not a script: the browser never runs it, and System.Text.Json escapes &lt;, &gt; and &amp; so a title cannot
/// end it early. Rendered by the layout on live pages of MSP members.
/// </summary>
public sealed class PendingAlertsViewComponent(IMediator mediator) : ViewComponent
{
    public const string ElementId = "pending-alerts";

    public async Task<IViewComponentResult> InvokeAsync()
    {
        var alerts = await mediator.Send(new ListPendingAlerts(), HttpContext.RequestAborted);
        var json = JsonSerializer.Serialize(alerts, JsonSerializerOptions.Web);
        return new HtmlContentViewComponentResult(new HtmlString($"<script type=\"application/json\" id=\"{ElementId}\">{json}</script>"));
    }
}
