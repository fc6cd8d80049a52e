using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Portal.Features.Remediation;

/// <summary>
/// An MSP's recovery across every tenant it manages, at once: in a global outage the lead's first question is how many devices are
/// back everywhere and which tenant lags. The API's roll-up (<see cref="GetMspProgress"/>), the counters the commands keep; each
/// tenant links its own recovery page. Refetched live on any of the MSP's tenants' changes.
/// </summary>
[Authorize]
public sealed class MspRecoveryModel(IMediator mediator) : PortalPageModel
{
    public MspProgressView? Rollup { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        // Anyone but an MSP member with progress access is refused by the query (403 page).
        Rollup = await mediator.Send(new GetMspProgress(), ct);
        return Page();
    }
}
