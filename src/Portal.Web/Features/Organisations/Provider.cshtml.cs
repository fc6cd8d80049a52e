using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Portal.Domain;

namespace Portal.Features.Organisations;

/// <summary>A provider's services and how many tenants subscribe to each, in which regions: counts, never names.</summary>
[Authorize]
public sealed class ProviderModel(IMediator mediator) : PageModel
{
    public IReadOnlyList<ProviderServiceView> Services { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        try
        {
            Services = await mediator.Send(new GetProviderServices(), ct);
        }
        catch (NotPermittedException)
        {
            return Forbid(); // the access behaviour decides, as for the API
        }
        return Page();
    }
}
