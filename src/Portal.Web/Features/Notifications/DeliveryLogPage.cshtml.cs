using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Portal.Features.Notifications;

/// <summary>The MSP lead's delivery log: every notification try for its tenants, newest first, a page at a time.</summary>
[Authorize]
public sealed class DeliveryLogPageModel(IMediator mediator, TimeProvider clock, IOptions<NotificationOptions> options) : PortalPageModel
{
    public DateTimeOffset Now { get; } = clock.GetUtcNow();

    /// <summary>How long the log keeps what it shows (<see cref="OutboxRetention"/>), said where a lead looks for an old try.</summary>
    public string Retention { get; } = $"Kept for {Span(options.Value.RetainDeliveredFor)} after a delivery and {Span(options.Value.RetainFailedFor)} after a final failure.";

    private static string Span(TimeSpan t) => t.TotalDays % 1 == 0 ? (t.TotalDays == 1 ? "1 day" : $"{t.TotalDays:0} days") : $"{t.TotalHours:0.#} hours";

    [FromRoute] public Guid MspId { get; set; }
    [FromQuery(Name = "cursor")] public string? Cursor { get; set; }

    public DeliveryPage Log { get; private set; } = new([], null);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Log = await mediator.Send(new ListDeliveries(MspId, null, Cursor, 50), ct);
        return Page();
    }
}
