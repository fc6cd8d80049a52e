using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Organisations;

/// <summary>A provider's services and how many tenants subscribe to each, in which regions: counts, never names.</summary>
[Authorize]
public sealed class ProviderModel(IMediator mediator, CurrentUser currentUser) : PageModel
{
    public IReadOnlyList<ProviderServiceView> Services { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!currentUser.Required.Has(Permission.ViewProviderServices)) return Forbid();
        Services = await mediator.Send(new GetProviderServices(), ct);
        return Page();
    }
}
