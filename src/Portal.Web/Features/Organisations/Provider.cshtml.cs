using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Portal.Features.Organisations;

/// <summary>A provider's services and how many tenants subscribe to each, in which regions: counts, never names.</summary>
[Authorize]
public sealed class ProviderModel(IMediator mediator) : PortalPageModel
{
    public IReadOnlyList<ProviderServiceView> Services { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Services = await mediator.Send(new GetProviderServices(), ct);
        return Page();
    }
}
