using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.Features.Organisations;

/// <summary>The platform operator's list of organisations: names and counts only.</summary>
[Authorize]
public sealed class OrganisationsModel(IMediator mediator, CurrentUser currentUser) : PageModel
{
    public IReadOnlyList<OrganisationView> Organisations { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!currentUser.Required.Has(Permission.ViewOrganisations)) return Forbid();
        Organisations = await mediator.Send(new ListOrganisations(), ct);
        return Page();
    }
}
