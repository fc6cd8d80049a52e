using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Portal.Features.Remediation;

/// <summary>
/// A tenant's recovery over time, as its customer (and its MSP) sees it: how many devices are back, and the burn-down.
/// Kept off the status page so the page everyone polls stays one cached snapshot.
/// </summary>
[Authorize]
public sealed class RecoveryModel(IMediator mediator, TimeProvider clock) : PortalPageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid TenantId { get; set; }

    public TenantProgressView? Progress { get; private set; }

    public BurnDownView BurnDown { get; private set; } = new([]);

    public DateTimeOffset Now { get; } = clock.GetUtcNow();

    /// <summary>
    /// live.js's refetch (<c>?part=live</c>): the region alone, without the layout. While devices come back a crowd of the tenant's
    /// customers keeps this page open, and each change made every one of them refetch the whole page, rendered for them; the
    /// region is the tenant's, the same for all.
    /// </summary>
    public bool RegionsOnly => AsksForLiveRegions && Progress is not null;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        // A foreign or missing tenant throws NotFound here (404 page); a role without progress access is 403.
        Progress = await mediator.Send(new GetTenantProgress(TenantId), ct);
        BurnDown = await mediator.Send(new GetTenantBurnDown(TenantId), ct);
        return Page();
    }
}
