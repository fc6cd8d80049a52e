using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Portal.Domain;

namespace Portal.Features.Organisations;

/// <summary>The platform operator's list of organisations: names and counts only.</summary>
[Authorize]
public sealed class OrganisationsModel(IMediator mediator) : PageModel
{
    public IReadOnlyList<OrganisationView> Organisations { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        try
        {
            Organisations = await mediator.Send(new ListOrganisations(), ct);
        }
        catch (NotPermittedException)
        {
            return Forbid(); // the access behaviour decides, as for the API
        }
        return Page();
    }
}
