using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Portal.Features.Notifications;

/// <summary>The MSP lead's delivery log: every notification try for its tenants, newest first, a page at a time.</summary>
[Authorize]
public sealed class DeliveryLogPageModel(IMediator mediator, TimeProvider clock) : PortalPageModel
{
    public DateTimeOffset Now { get; } = clock.GetUtcNow();

    [FromRoute] public Guid MspId { get; set; }
    [FromQuery(Name = "cursor")] public string? Cursor { get; set; }

    public DeliveryPage Log { get; private set; } = new([], null);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Log = await mediator.Send(new ListDeliveries(MspId, null, Cursor, 50), ct);
        return Page();
    }
}
